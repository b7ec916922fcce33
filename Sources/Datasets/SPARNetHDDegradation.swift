import Imaging

/// The SPARNetHD training sample of a `size`² face (paper eq. 14,
/// I_LR = ((I_HR ∗ k) ↓s + n)_JPEG, as the released data/ffhq_dataset.py runs it): the HR
/// target is the face (gray with `grayscaleProbability`), the LR image its degraded copy at a
/// random size, LR-up that image Pillow bicubic back to `size`.
///
/// Stages and draws, in order, from the sample's generator (`DegradationSettings` for ranges):
/// 1. gray (one `chance`): HR and everything after become R = G = B;
/// 2. blur (one `chance`), then the kernel among `blur.kindsInUse` (one `integer`) and its
///    parameters: Gaussian σ (`uniform`); average size (`integer`); median size (`integer`,
///    even + 1); motion size (`integer`, even + 1), angle and direction (two `uniform`s);
/// 3. downsample to s×s, s from `lowResolutionSizes` (`integer`), filter from
///    `downsamplings` (`integer`);
/// 4. noise (one `chance`), σ (`uniform`), per channel (`chance`), then the normals pixel by
///    pixel;
/// 5. JPEG (one `chance`), quality (`integer`);
/// 6. LR-up: Pillow bicubic to `size`² (the released code's final `iaa.Resize(org_size)` is
///    OpenCV's cubic, a = −0.75; Pillow's a = −0.5 is the LR-up of SPARNet and of the paper).
///
/// Every stage reads and writes 8-bit images, rounding once per stage as OpenCV does on uint8.
/// Allocations: each stage's RGBImage and Float scratch (see `RGBImage+Degradation.swift`).
public struct SPARNetHDDegradation: SampleTransform {
    /// How the HR image is shrunk to the low resolution.
    public enum Downsampling: String, Sendable, CaseIterable {
        /// `cv2.INTER_NEAREST` (`RGBImage.resizedNearest`).
        case nearest
        /// Pillow bilinear (antialiased; the released code's `cv2.INTER_LINEAR` is not).
        case bilinear
        /// `cv2.INTER_AREA` (`RGBImage.resizedArea`).
        case area
        /// Pillow bicubic (antialiased; the released code's `cv2.INTER_CUBIC` is not).
        case bicubic
    }

    /// Motion-blur angle in degrees, clockwise from vertical (imgaug's default 0…360).
    static let motionAngles: ClosedRange<Double> = 0...360
    /// Motion-blur direction, −1 (weight at the bottom) … 1 (at the top) (imgaug's default).
    static let motionDirections: ClosedRange<Double> = -1...1

    public let size: Int
    public let settings: DegradationSettings
    /// The downsampling filters, equally likely (released `iaa.Resize(…, interpolation=ia.ALL)`:
    /// nearest, linear, area, cubic).
    public let downsamplings: [Downsampling]
    /// `settings.lowResolutionSizes(size:)`.
    public let lowResolutionSizes: ClosedRange<Int>
    private let blurKinds: [BlurKind]

    /// The degradation of `size`² faces. The settings are taken as the configuration's
    /// validator passed them (`RunConfiguration.problems()`).
    public init(size: Int = 512, settings: DegradationSettings = DegradationSettings(),
                downsamplings: [Downsampling] = Downsampling.allCases) {
        precondition(size > 0 && !downsamplings.isEmpty, "SPARNetHDDegradation: size \(size), \(downsamplings.count) filters")
        self.size = size
        self.settings = settings
        self.downsamplings = downsamplings
        lowResolutionSizes = settings.lowResolutionSizes(size: size)
        blurKinds = settings.blur.kindsInUse
    }

    public func images(from image: RGBImage, random: inout SampleRandom) throws -> SampleImages {
        try checkSize(of: image)
        let highResolution = random.chance(settings.grayscaleProbability) ? image.grayscaled() : image
        var degraded = highResolution
        if random.chance(settings.blur.probability), !blurKinds.isEmpty {
            degraded = blurred(degraded, random: &random)
        }
        let lowSize = random.integer(in: lowResolutionSizes)
        let downsampling = downsamplings[random.integer(in: 0...(downsamplings.count - 1))]
        switch downsampling {
        case .nearest: degraded = degraded.resizedNearest(width: lowSize, height: lowSize)
        case .area: degraded = degraded.resizedArea(width: lowSize, height: lowSize)
        case .bilinear: degraded = degraded.resized(width: lowSize, height: lowSize, filter: .bilinear)
        case .bicubic: degraded = degraded.resized(width: lowSize, height: lowSize, filter: .bicubic)
        }
        if random.chance(settings.noise.probability) {
            let sigma = random.uniform(in: 0...settings.noise.sigmaMax)
            let perChannel = random.chance(settings.noise.perChannelProbability)
            degraded = degraded.addingGaussianNoise(sigma: sigma, perChannel: perChannel, random: &random)
        }
        if random.chance(settings.jpeg.probability) {
            degraded = try degraded.jpegCompressed(quality: random.integer(in: settings.jpeg.quality))
        }
        return SampleImages(highResolution: highResolution, lowResolution: degraded,
                            lowResolutionUp: degraded.resized(width: size, height: size, filter: .bicubic))
    }

    private func blurred(_ image: RGBImage, random: inout SampleRandom) -> RGBImage {
        let odd = { (size: Int) in size % 2 == 0 ? size + 1 : size }
        let blur = settings.blur
        switch blurKinds[random.integer(in: 0...(blurKinds.count - 1))] {
        case .gaussian:
            return image.gaussianBlurred(sigma: random.uniform(in: blur.gaussian.sigma))
        case .average:
            return image.boxBlurred(kernelSize: random.integer(in: blur.average.kernel))
        case .median:
            return image.medianBlurred(kernelSize: odd(random.integer(in: blur.median.kernel)))
        case .motion:
            let kernelSize = random.integer(in: blur.motion.kernel)
            let angle = random.uniform(in: Self.motionAngles)
            let direction = random.uniform(in: Self.motionDirections)
            return image.motionBlurred(kernelSize: kernelSize, angle: angle, direction: direction)
        }
    }
}
