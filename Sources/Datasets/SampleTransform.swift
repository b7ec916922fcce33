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
    /// (`RGBImage.writeNormalizedPlanes`) to the two buffers, 3·size² Floats each.
    public func write(_ image: RGBImage, random: inout SampleRandom,
                      lowResolutionUp: UnsafeMutablePointer<Float>, highResolution: UnsafeMutablePointer<Float>) throws {
        let sample = try images(from: image, random: &random)
        sample.lowResolutionUp.writeNormalizedPlanes(into: lowResolutionUp)
        sample.highResolution.writeNormalizedPlanes(into: highResolution)
    }

    /// Throws unless `image` is `size`×`size`.
    func checkSize(of image: RGBImage) throws {
        guard image.width == size && image.height == size else {
            throw DatasetError("\(Self.self) expects \(size)×\(size) images, got \(image.width)×\(image.height)")
        }
    }
}
