import CImageCodecs
import CImageCodecsShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// PNG and JPEG decoding, both to 8-bit RGB. The format is taken from the content (the PNG
/// signature or the JPEG start-of-image marker), never from a file name.
///
/// Conversions (Pillow's `Image.open(path).convert("RGB")` where they agree):
/// - PNG palette images are expanded through the palette; gray and gray+alpha are replicated
///   to R = G = B; 1/2/4-bit gray is scaled to 8 bits (0…255); 16-bit samples keep their
///   high byte (Pillow's `RGB;16B` unpacking does the same; for 16-bit gray Pillow would
///   clip the 16-bit value to 255 instead, which we do not copy).
/// - Alpha (an alpha channel or a tRNS chunk) is dropped, not composited over a background:
///   this is what Pillow's `convert("RGB")` does, so images prepared here match images a
///   Python pipeline prepared, and the colour under a transparent pixel is kept as stored.
/// - PNG gamma (gAMA), colour profiles and background (bKGD) are ignored, as in Pillow.
/// - JPEG gray and YCbCr go through libjpeg's RGB conversion (islow IDCT, fancy upsampling —
///   Pillow's defaults); 4-component JPEGs are read as Adobe-inverted CMYK (or YCCK) and
///   converted with Pillow's `cmyk2rgb`.
/// - A JPEG that ends early is an error (Pillow: "image file is truncated"), not a gray-padded image.
extension RGBImage {
    /// The largest `width · height` we decode (2^26 pixels, e.g. 8192 × 8192, 192 MiB of RGB);
    /// larger headers are refused before any allocation, so a corrupt header cannot exhaust memory.
    public static let maximumDecodedPixelCount = 1 << 26

    /// Decodes the PNG or JPEG file at `path`.
    /// - Throws: `ImageError` naming `path`: not found, unreadable, unsupported format,
    ///   truncated, corrupt, or too large.
    public init(contentsOfFile path: String) throws {
        let bytes = try readFile(path)
        self = try bytes.withUnsafeBufferPointer { try RGBImage.decode($0, file: path) }
    }

    /// Decodes PNG or JPEG bytes held in memory; `name` identifies them in errors.
    public init(decoding bytes: [UInt8], name: String = "<memory>") throws {
        self = try bytes.withUnsafeBufferPointer { try RGBImage.decode($0, file: name) }
    }

    private typealias Decoder = (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?,
                                 UnsafeMutablePointer<UInt8>?, Int, UnsafeMutablePointer<CChar>?, Int) -> sparnet_codec_status

    private static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    private static let jpegSignature: [UInt8] = [0xFF, 0xD8, 0xFF]

    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, file: String) throws -> RGBImage {
        func starts(with signature: [UInt8]) -> Bool {
            bytes.count >= signature.count && zip(bytes, signature).allSatisfy { $0 == $1 }
        }
        func isPrefix(of signature: [UInt8]) -> Bool {
            bytes.count < signature.count && zip(bytes, signature).allSatisfy { $0 == $1 }
        }
        let decoder: Decoder
        if starts(with: pngSignature) {
            decoder = sparnet_png_decode
        } else if starts(with: jpegSignature) {
            decoder = sparnet_jpeg_decode
        } else if isPrefix(of: pngSignature) || isPrefix(of: jpegSignature) {
            throw ImageError(file: file, .truncated)
        } else {
            throw ImageError(file: file, .unsupportedFormat("neither a PNG nor a JPEG signature"))
        }

        let messageCapacity = 256
        var message = [CChar](repeating: 0, count: messageCapacity)
        func check(_ status: sparnet_codec_status) throws {
            let detail = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            switch status {
            case sparnet_codec_ok: return
            case sparnet_codec_truncated: throw ImageError(file: file, .truncated)
            case sparnet_codec_unsupported: throw ImageError(file: file, .unsupportedFormat(detail))
            case sparnet_codec_corrupt: throw ImageError(file: file, .corrupt(detail))
            default: throw ImageError(file: file, .unreadable(detail))
            }
        }
        var width: Int32 = 0, height: Int32 = 0
        try check(decoder(bytes.baseAddress, bytes.count, &width, &height, nil, 0, &message, messageCapacity))
        guard width > 0, height > 0 else {
            throw ImageError(file: file, .corrupt("header gives \(width)×\(height) pixels"))
        }
        guard Int(width) * Int(height) <= maximumDecodedPixelCount else {
            throw ImageError(file: file, .tooLarge(width: Int(width), height: Int(height)))
        }
        return try RGBImage(width: Int(width), height: Int(height)) { pixels in
            var decodedWidth: Int32 = 0, decodedHeight: Int32 = 0
            try check(decoder(bytes.baseAddress, bytes.count, &decodedWidth, &decodedHeight,
                              pixels.baseAddress, pixels.count, &message, messageCapacity))
        }
    }
}

/// The whole content of a file, or an `ImageError` that says why not.
private func readFile(_ path: String) throws -> [UInt8] {
    func failure() -> ImageError {
        let code = errno
        return ImageError(file: path, code == ENOENT ? .fileNotFound : .unreadable(String(cString: strerror(code))))
    }
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw failure() }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw failure() }
    guard (status.st_mode & S_IFMT) == S_IFREG else {
        throw ImageError(file: path, .unreadable("not a regular file"))
    }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(status.st_size))
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw failure()
        }
        if count == 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return bytes
}
