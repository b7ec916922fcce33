import Imaging

/// What turns one dataset image into a training pair: the network input (the low-resolution
/// image upsampled back to full size, "LR-up") and the target (the high-resolution image,
/// "HR"), every random choice drawn from the sample's own `SampleRandom`.
public protocol SampleTransform: Sendable {
    /// The side of the square dataset images it reads and of both outputs.
    var size: Int { get }

    /// The sample's images as 8-bit RGB, drawing every random choice from `random`.
    /// - Throws: `DatasetError` if `image` is not `size`×`size`; errors of a stage (e.g. the codec).
    func images(from image: RGBImage, random: inout SampleRandom) throws -> SampleImages
}

/// One training sample as images: the target, the low-resolution input and the input
/// upsampled to the target's size (what the network reads).
public struct SampleImages: Sendable, Equatable {
    /// The target (after augmentation; after the grayscale draw for SPARNetHD).
    public var highResolution: RGBImage
    /// The low-resolution image (16×16 for SPARNet at 128; a random size for SPARNetHD).
    public var lowResolution: RGBImage
    /// `lowResolution` resized back to the target's size (bicubic).
    public var lowResolutionUp: RGBImage

    public init(highResolution: RGBImage, lowResolution: RGBImage, lowResolutionUp: RGBImage) {
        self.highResolution = highResolution
        self.lowResolution = lowResolution
        self.lowResolutionUp = lowResolutionUp
    }
}

extension SampleTransform {
    /// Runs the transform and writes LR-up and HR as Float (3, size, size) in [−1, 1]
    /// (`writeNormalized`) to the two buffers, 3·size² Floats each.
    public func write(_ image: RGBImage, random: inout SampleRandom,
                      lowResolutionUp: UnsafeMutablePointer<Float>, highResolution: UnsafeMutablePointer<Float>) throws {
        let sample = try images(from: image, random: &random)
        writeNormalized(sample.lowResolutionUp, into: lowResolutionUp)
        writeNormalized(sample.highResolution, into: highResolution)
    }

    /// Throws unless `image` is `size`×`size`.
    func checkSize(of image: RGBImage) throws {
        guard image.width == size && image.height == size else {
            throw DatasetError("\(Self.self) expects \(size)×\(size) images, got \(image.width)×\(image.height)")
        }
    }
}

// image (H, W, 3) uint8  output (3, H, W) Float
/// Writes `image` as channel planes in [−1, 1], torchvision's `ToTensor()` then
/// `Normalize(0.5, 0.5)` in Float: (x / 255 − 0.5) / 0.5, bit-identical to PyTorch's float32.
public func writeNormalized(_ image: RGBImage, into output: UnsafeMutablePointer<Float>) {
    let plane = image.width * image.height
    image.withUnsafePixels { pixels in
        for i in 0..<plane {
            output[i] = normalizedLevels[Int(pixels[i * 3])]
            output[plane + i] = normalizedLevels[Int(pixels[i * 3 + 1])]
            output[2 * plane + i] = normalizedLevels[Int(pixels[i * 3 + 2])]
        }
    }
}

/// (x / 255 − 0.5) / 0.5 in Float for each 8-bit level x.
private let normalizedLevels: [Float] = (0..<256).map { (Float($0) / 255 - 0.5) / 0.5 }
