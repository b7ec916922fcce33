import DurableFiles
import Foundation
import HDF5

/// Writes one image shard under a temporary name and renames it into place only when every
/// image is written, so a crash or an error never leaves a partial shard under the real name.
public final class ImageShardWriter {
    public let path: String
    public let count: Int
    public let height: Int
    public let width: Int
    private let temporaryPath: String
    private var file: HDF5File?
    private let images: HDF5Dataset
    private var written: [Bool]

    /// Creates `<path>.partial-<pid>` holding space for `count` images of `height`×`width`.
    public init(path: String, count: Int, height: Int, width: Int, gzipLevel: Int? = nil) throws {
        precondition(count > 0 && height > 0 && width > 0, "ImageShardWriter: empty shard \(count)×\(height)×\(width)")
        self.path = path
        self.count = count
        self.height = height
        self.width = width
        temporaryPath = DurableFiles.temporaryPath(for: path)
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw HDF5Error(file: path, "cannot create the output directory \(directory): \(error.localizedDescription)")
            }
        }
        let file = try HDF5File(path: temporaryPath, mode: .create)
        self.file = file
        images = try file.createDataset(ImageShardFormat.imagesDataset, elementType: .uint8,
                                        shape: [count, height, width, 3], chunkShape: [1, height, width, 3],
                                        gzipLevel: gzipLevel)
        written = Array(repeating: false, count: count)
    }

    deinit {
        // Not committed: the temporary file goes, the real name was never touched.
        if file != nil {
            try? file?.close()
            try? FileManager.default.removeItem(atPath: temporaryPath)
        }
    }

    /// Writes image `index` from interleaved RGB bytes (height·width·3).
    public func write(_ pixels: UnsafeBufferPointer<UInt8>, at index: Int) throws {
        precondition(pixels.count == height * width * 3, "ImageShardWriter: \(pixels.count) bytes for a \(height)×\(width) image")
        precondition((0..<count).contains(index), "ImageShardWriter: image \(index) of \(count)")
        try images.write(from: pixels, start: [index, 0, 0, 0], count: [1, height, width, 3])
        written[index] = true
    }

    /// Writes the format attributes, closes, syncs and renames the shard into place.
    public func commit() throws {
        guard let file else { return }
        if let missing = written.firstIndex(of: false) {
            throw HDF5Error(file: path, "image \(missing) of \(count) was never written")
        }
        try file.setAttribute("format", to: ImageShardFormat.formatName)
        try file.setAttribute("version", to: ImageShardFormat.version)
        try file.setAttribute("height", to: Int64(height))
        try file.setAttribute("width", to: Int64(width))
        try file.close()
        self.file = nil
        try durablyRename(temporaryPath, to: path)
    }
}
