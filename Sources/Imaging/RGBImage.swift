/// An 8-bit RGB image: `height` rows of `width` pixels, each pixel three bytes R, G, B,
/// interleaved and packed — the (H, W, 3) uint8 layout of a NumPy array from Pillow and of the
/// HDF5 image shards. Pixel (x, y) channel c is `pixels[(y * width + x) * 3 + c]`.
public struct RGBImage: Equatable, Hashable, Sendable {
    /// Pixels per row.
    public let width: Int
    /// Rows.
    public let height: Int
    /// `width · height · 3` bytes in (H, W, 3) order; the count never changes.
    public private(set) var pixels: [UInt8]

    /// An image over existing bytes in (H, W, 3) order.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "RGBImage: width \(width) and height \(height) must be positive")
        precondition(pixels.count == width * height * 3,
                     "RGBImage: \(pixels.count) bytes for \(width)×\(height)×3 = \(width * height * 3)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A black image.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: max(width * height * 3, 0)))
    }

    /// An image whose bytes `fill` writes in place (exactly `width · height · 3` of them).
    public init(width: Int, height: Int, fill: (UnsafeMutableBufferPointer<UInt8>) throws -> Void) rethrows {
        precondition(width > 0 && height > 0, "RGBImage: width \(width) and height \(height) must be positive")
        let count = width * height * 3
        let bytes = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.initialize(repeating: 0)
            initialized = count
            try fill(buffer)
        }
        self.init(width: width, height: height, pixels: bytes)
    }

    /// The value of channel `channel` (0 R, 1 G, 2 B) of pixel (`x`, `y`).
    public subscript(x x: Int, y y: Int, channel channel: Int) -> UInt8 {
        get { pixels[(y * width + x) * 3 + channel] }
        set { pixels[(y * width + x) * 3 + channel] = newValue }
    }

    /// Calls `body` with the pixel bytes for reading.
    public func withUnsafePixels<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try pixels.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with the pixel bytes for writing in place; the count cannot change.
    public mutating func withUnsafeMutablePixels<Result>(
        _ body: (UnsafeMutableBufferPointer<UInt8>) throws -> Result
    ) rethrows -> Result {
        try pixels.withUnsafeMutableBufferPointer { try body($0) }
    }
}
