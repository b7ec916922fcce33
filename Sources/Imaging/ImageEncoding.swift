import CImageCodecs
import CImageCodecsShim

/// How `RGBImage.encoded(as:)` and `RGBImage.write(to:as:)` store an image.
public enum ImageEncoding: Equatable, Sendable {
    /// 8-bit RGB PNG, lossless (zlib level 6 — Pillow's default — no interlace).
    case png
    /// Baseline JFIF JPEG at `quality` 1…100 (libjpeg's scaled tables, 4:2:0 chroma
    /// subsampling, islow DCT; Pillow's defaults at the same quality).
    case jpeg(quality: Int)

    /// Pillow's default JPEG quality.
    public static let defaultJPEGQuality = 75

    /// The encoding a file name's extension names: `.png`, or `.jpg` / `.jpeg` (any case)
    /// at `jpegQuality`; nil for anything else.
    public init?(pathExtensionOf path: String, jpegQuality: Int = ImageEncoding.defaultJPEGQuality) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: ".") else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg(quality: jpegQuality)
        default: return nil
        }
    }
}

extension RGBImage {
    /// The image encoded in memory.
    /// - Throws: `ImageError` (file `<memory>`): `.invalidArgument` for a JPEG quality outside
    ///   1…100 or a JPEG side over 65500, `.writeFailed` if the encoder fails.
    public func encoded(as encoding: ImageEncoding) throws -> [UInt8] {
        try encode(as: encoding, file: "<memory>")
    }

    /// Encodes the image and writes it to `path` atomically: the bytes go to a temporary file
    /// in the same directory, which is renamed over `path` only when complete, so `path` never
    /// holds a partial image and an existing file is untouched on failure.
    /// - Throws: `ImageError` naming `path`.
    public func write(to path: String, as encoding: ImageEncoding) throws {
        let bytes = try encode(as: encoding, file: path)
        try writeFileAtomically(bytes, to: path)
    }

    private func encode(as encoding: ImageEncoding, file: String) throws -> [UInt8] {
        let messageCapacity = 256
        var message = [CChar](repeating: 0, count: messageCapacity)
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status: sparnet_codec_status
        switch encoding {
        case .png:
            status = withUnsafePixels { pixels in
                sparnet_png_encode(pixels.baseAddress, Int32(width), Int32(height), &output, &size,
                                   &message, messageCapacity)
            }
        case .jpeg(let quality):
            guard (1...100).contains(quality) else {
                throw ImageError(file: file, .invalidArgument("JPEG quality \(quality) is not in 1…100"))
            }
            guard width <= 65500 && height <= 65500 else {
                throw ImageError(file: file, .invalidArgument("JPEG sides are at most 65500 pixels, not \(width)×\(height)"))
            }
            status = withUnsafePixels { pixels in
                sparnet_jpeg_encode(pixels.baseAddress, Int32(width), Int32(height), Int32(quality), &output, &size,
                                    &message, messageCapacity)
            }
        }
        defer { sparnet_codec_free(output) }
        guard status == sparnet_codec_ok, let output else {
            let detail = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ImageError(file: file, .writeFailed(detail.isEmpty ? "encoder failed" : detail))
        }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }
}
