import Foundation

/// Reads event files back (our own files, or TensorFlow's and PyTorch's): every record's two
/// CRCs are checked and each record is decoded as an `Event`.
public enum EventFileReader {
    /// The events of the file at `path`, in order.
    /// - Throws: `TensorBoardError` naming the file and the bad record.
    public static func events(atPath path: String) throws -> [Event] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TensorBoardError("\(path): cannot be read")
        }
        return try TFRecord.records(in: [UInt8](data), name: path).enumerated().map { index, record in
            do {
                return try Event(decoding: record)
            } catch {
                throw TensorBoardError("\(path): record \(index): \(error)")
            }
        }
    }

    /// The event files (names containing `tfevents`) directly in `directory`, sorted by name.
    public static func eventFiles(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.contains("tfevents") }.sorted().map { directory + "/" + $0 }
    }
}
