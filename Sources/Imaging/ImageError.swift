/// Why an image could not be read or written, naming the file (or `<memory>` for bytes).
public struct ImageError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The kinds of failure a caller may want to tell apart.
    public enum Reason: Equatable, Sendable {
        /// The file does not exist.
        case fileNotFound
        /// The file exists but could not be read (permissions, a directory, an I/O error).
        case unreadable(String)
        /// Neither PNG nor JPEG, or a variant of one we cannot convert to RGB.
        case unsupportedFormat(String)
        /// The data ends before the image does.
        case truncated
        /// The codec rejected the data (bad CRC, bad Huffman table, invalid header, …).
        case corrupt(String)
        /// The declared size is beyond what we decode (see `RGBImage.maximumDecodedPixelCount`).
        case tooLarge(width: Int, height: Int)
        /// An argument out of range, e.g. a JPEG quality outside 1…100.
        case invalidArgument(String)
        /// Encoding or writing the output failed; no output file was left behind.
        case writeFailed(String)
    }

    /// The file path, or `<memory>` when decoding bytes without a name.
    public let file: String
    public let reason: Reason

    public init(file: String, _ reason: Reason) {
        self.file = file
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .fileNotFound: return "\(file): no such file"
        case .unreadable(let detail): return "\(file): cannot read (\(detail))"
        case .unsupportedFormat(let detail): return "\(file): unsupported format (\(detail))"
        case .truncated: return "\(file): truncated file"
        case .corrupt(let detail): return "\(file): corrupt image data (\(detail))"
        case .tooLarge(let width, let height): return "\(file): image of \(width)×\(height) pixels is too large"
        case .invalidArgument(let detail): return "\(file): \(detail)"
        case .writeFailed(let detail): return "\(file): cannot write (\(detail))"
        }
    }
}
