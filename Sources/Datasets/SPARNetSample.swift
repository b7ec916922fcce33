import Foundation
import Imaging

/// The SPARNet augmentation's settings (paper §IV-A.1: "random horizontal flipping, image
/// rescaling (between 1.0 and 1.3), and image rotation (90°, 180° and 270°)"; the released
/// code, data/celeba_dataset.py, does the first two).
public struct SPARNetAugmentation: Codable, Sendable, Equatable {
    /// Probability of mirroring left–right (released: `transforms.RandomHorizontalFlip()`, 0.5).
    public var flipProbability = 0.5
    /// The scale factor's range (paper and released `Scale((1.0, 1.3), load_size)`).
    public var scaleRange: ClosedRange<Double> = 1.0...1.3
    /// Aspect ratios of the random crop (torchvision `RandomResizedCrop`'s default 3/4…4/3,
    /// which the released `Scale` uses).
    public var cropAspectRange: ClosedRange<Double> = (3.0 / 4.0)...(4.0 / 3.0)
    /// Probability of turning the image by 90°, 180° or 270° (equally likely). The paper
    /// lists these rotations; the released code has none, so 0 by default.
    public var rotationProbability = 0.0
    /// HR side / LR side (paper: 128 → 16, ×8).
    public var scaleFactor = 8

    public init() {}

    /// Throws `DatasetError` naming the first invalid field.
    public func validate(size: Int) throws {
        func check(_ ok: Bool, _ key: String, _ message: String) throws {
            if !ok { throw DatasetError("augmentation.\(key): \(message)") }
        }
        try check((0...1).contains(flipProbability), "flipProbability", "\(flipProbability) is not a probability")
        try check(scaleRange.lowerBound >= 1 && scaleRange.upperBound < 2, "scaleRange",
                  "\(scaleRange) must lie in [1, 2) (the crop keeps an area of 2 − upper bound … 1)")
        try check(cropAspectRange.lowerBound > 0, "cropAspectRange", "\(cropAspectRange) must be positive")
        try check((0...1).contains(rotationProbability), "rotationProbability", "\(rotationProbability) is not a probability")
        try check(scaleFactor > 0 && size % scaleFactor == 0, "scaleFactor",
                  "\(scaleFactor) must be positive and divide the image size \(size)")
    }
}

/// The SPARNet training sample of a `size`² face (data/celeba_dataset.py of the released
/// code, plus the paper's optional rotation): the HR target is the augmented face, LR is
/// Pillow bicubic down by `scaleFactor`, LR-up is LR Pillow bicubic back to `size`.
///
/// The augmentation, in the released order, with its draws from the sample's generator:
/// 1. flip left–right with `flipProbability` (one `chance`);
/// 2. the released `Scale`: draw a factor s in `scaleRange` (one `uniform`); if
///    ⌊size·s⌋ > size, replace the image by torchvision's `RandomResizedCrop` of it — a
///    window of area fraction in [2 − upper(scaleRange), 1] and aspect ratio log-uniform in
///    `cropAspectRange` (up to ten tries of two `uniform`s and, on success, two `integer`s
///    for its corner; otherwise the central crop), Pillow bicubic to `size`². So the released
///    "rescaling" zooms in by 1…1/√0.7 ≈ 1.2 with a little stretch, never padding; a factor
///    below 1 + 1/size leaves the image as it is;
/// 3. with `rotationProbability` (one `chance`), turn by 90°·q, q uniform in 1…3 (one `integer`).
///
/// Allocations: the RGBImages of each step (a crop, its resize, the LR and LR-up images).
public struct SPARNetSample: SampleTransform {
    public let size: Int
    public let settings: SPARNetAugmentation

    /// - Throws: `DatasetError` for invalid settings.
    public init(size: Int = 128, settings: SPARNetAugmentation = SPARNetAugmentation()) throws {
        try settings.validate(size: size)
        self.size = size
        self.settings = settings
    }

    /// The augmented HR face (steps 1–3 above).
    public func augmented(_ image: RGBImage, random: inout SampleRandom) throws -> RGBImage {
        try checkSize(of: image)
        var image = image
        if random.chance(settings.flipProbability) { image = image.flippedHorizontally() }
        let factor = random.uniform(in: settings.scaleRange)
        if Int(Double(size) * factor) > size {
            let window = randomResizedCropWindow(random: &random)
            image = image.cropped(x: window.x, y: window.y, width: window.width, height: window.height)
                .resized(width: size, height: size, filter: .bicubic)
        }
        if random.chance(settings.rotationProbability) {
            image = image.rotated(quarterTurns: random.integer(in: 1...3))
        }
        return image
    }

    public func images(from image: RGBImage, random: inout SampleRandom) throws -> SampleImages {
        let highResolution = try augmented(image, random: &random)
        let lowSize = size / settings.scaleFactor
        let lowResolution = highResolution.resized(width: lowSize, height: lowSize, filter: .bicubic)
        return SampleImages(highResolution: highResolution, lowResolution: lowResolution,
                            lowResolutionUp: lowResolution.resized(width: size, height: size, filter: .bicubic))
    }

    /// torchvision's `RandomResizedCrop.get_params` on a `size`² image with area fraction
    /// [2 − upper(scaleRange), 1] (the released `Scale`'s `rc_scale`) and `cropAspectRange`;
    /// Python's `round` (ties to even) for the sides.
    private func randomResizedCropWindow(random: inout SampleRandom) -> (x: Int, y: Int, width: Int, height: Int) {
        let area = Double(size * size)
        let areaRange = (2 - settings.scaleRange.upperBound)...1.0
        let logRatio = log(settings.cropAspectRange.lowerBound)...log(settings.cropAspectRange.upperBound)
        for _ in 0..<10 {
            let targetArea = area * random.uniform(in: areaRange)
            let aspect = exp(random.uniform(in: logRatio))
            let width = Int((targetArea * aspect).squareRoot().rounded(.toNearestOrEven))
            let height = Int((targetArea / aspect).squareRoot().rounded(.toNearestOrEven))
            if width > 0 && width <= size && height > 0 && height <= size {
                let y = random.integer(in: 0...(size - height))
                let x = random.integer(in: 0...(size - width))
                return (x, y, width, height)
            }
        }
        // The fallback of a square image: its aspect 1 lies in any range around 1, else clamp.
        let ratio = settings.cropAspectRange
        var (width, height) = (size, size)
        if ratio.lowerBound > 1 {
            height = Int((Double(width) / ratio.lowerBound).rounded(.toNearestOrEven))
        } else if ratio.upperBound < 1 {
            width = Int((Double(height) * ratio.upperBound).rounded(.toNearestOrEven))
        }
        return ((size - width) / 2, (size - height) / 2, width, height)
    }
}
