/// Every range and probability of the SPARNetHD degradation (`SPARNetHDDegradation`).
///
/// Sources: the paper's eq. 14 and the list after it (§IV-C.1 "Degradation Model") give the
/// ranges; the released code (data/ffhq_dataset.py, `complex_imgaug` and `random_gray`, on
/// imgaug 0.4) gives the probabilities and the details the paper leaves out. Where the two
/// disagree — the downsampled size and the JPEG quality — the defaults follow the paper and
/// `releasedCode` holds the released values.
public struct DegradationSettings: Codable, Sendable, Equatable {
    /// The blur kernels of eq. 14.
    public enum Blur: String, Codable, Sendable, CaseIterable {
        case gaussian, average, median, motion
    }

    /// How the HR image is shrunk to the low resolution.
    public enum Downsampling: String, Codable, Sendable, CaseIterable {
        /// `cv2.INTER_NEAREST` (`RGBImage.resizedNearest`).
        case nearest
        /// Pillow bilinear (antialiased; the released code's `cv2.INTER_LINEAR` is not).
        case bilinear
        /// `cv2.INTER_AREA` (`RGBImage.resizedArea`).
        case area
        /// Pillow bicubic (antialiased; the released code's `cv2.INTER_CUBIC` is not).
        case bicubic
    }

    /// Probability that HR and LR become gray (R = G = B) before anything else — the target
    /// too (released: `random_gray(hr_img, p=0.3)`; not in the paper).
    public var grayscaleProbability = 0.3
    /// Probability of blurring (released: `iaa.Sometimes(0.5, iaa.OneOf([...]))`; the paper
    /// blurs always).
    public var blurProbability = 0.5
    /// The kernels a blur picks from, equally likely (paper and released: all four).
    public var blurs: [Blur] = Blur.allCases
    /// Gaussian σ in pixels (paper "3 ≤ ϱ ≤ 15"; released `iaa.GaussianBlur((3, 15))`, which
    /// is σ); the window is imgaug's size for σ (`RGBImage.gaussianKernelSize(sigma:)`).
    public var gaussianSigmaRange: ClosedRange<Double> = 3...15
    /// Average-blur window sizes, uniform over the integers, even sizes allowed (paper
    /// 3…15; released `iaa.AverageBlur(k=(3, 15))`).
    public var averageKernelRange: ClosedRange<Int> = 3...15
    /// Median window sizes, uniform over the integers, even ones raised by 1 (paper 3…15;
    /// released `iaa.MedianBlur(k=(3, 15))`, which does the same).
    public var medianKernelRange: ClosedRange<Int> = 3...15
    /// Motion-blur kernel sizes, uniform over the integers, even ones raised by 1 (paper
    /// 5…25; released `iaa.MotionBlur((5, 25))`).
    public var motionKernelRange: ClosedRange<Int> = 5...25
    /// Motion-blur angle in degrees, clockwise from vertical (imgaug's default 0…360).
    public var motionAngleRange: ClosedRange<Double> = 0...360
    /// Motion-blur direction, −1 (weight at the bottom) … 1 (at the top) (imgaug's default).
    public var motionDirectionRange: ClosedRange<Double> = -1...1
    /// Side of the downsampled image, uniform over the integers: s·512 for s in [16/512,
    /// 128/512] (paper); the released code draws `np.random.randint(32, 128)`, i.e. 32…127.
    public var lowResolutionSizeRange: ClosedRange<Int> = 16...128
    /// The downsampling filters, equally likely (released `iaa.Resize(…, interpolation=ia.ALL)`:
    /// nearest, linear, area, cubic).
    public var downsamplings: [Downsampling] = Downsampling.allCases
    /// Probability of adding noise (released `iaa.Sometimes(0.2, …)`; the paper always adds).
    public var noiseProbability = 0.2
    /// Noise σ in 0…255 levels (paper 0 ≤ δ ≤ 0.1·255; released `scale=(0.0, 0.1*255)`).
    public var noiseSigmaRange: ClosedRange<Double> = 0...25.5
    /// Probability that the noise is drawn per channel rather than once per pixel (released
    /// `per_channel=0.5`).
    public var noisePerChannelProbability = 0.5
    /// Probability of JPEG compression (released `iaa.Sometimes(0.7, …)`; the paper always).
    public var jpegProbability = 0.7
    /// libjpeg quality, uniform over the integers. The paper's compression level 60…85
    /// ("higher means stronger") through imgaug's map quality = round(1 + 99·(1 − c/101))
    /// is 17…41; the released `iaa.JpegCompression(compression=(10, 65))` is 36…90.
    public var jpegQualityRange: ClosedRange<Int> = 17...41

    /// The paper's ranges with the released code's probabilities (see each field).
    public init() {}

    /// The released code's values throughout (data/ffhq_dataset.py).
    public static var releasedCode: DegradationSettings {
        var settings = DegradationSettings()
        settings.lowResolutionSizeRange = 32...127
        settings.jpegQualityRange = 36...90
        return settings
    }

    /// Throws `DatasetError` naming the first invalid field, for images of `size`².
    public func validate(size: Int) throws {
        func check(_ ok: Bool, _ key: String, _ message: String) throws {
            if !ok { throw DatasetError("degradation.\(key): \(message)") }
        }
        for (key, probability) in [("grayscaleProbability", grayscaleProbability), ("blurProbability", blurProbability),
                                   ("noiseProbability", noiseProbability),
                                   ("noisePerChannelProbability", noisePerChannelProbability),
                                   ("jpegProbability", jpegProbability)] {
            try check((0...1).contains(probability), key, "\(probability) is not a probability")
        }
        try check(!blurs.isEmpty || blurProbability == 0, "blurs", "empty but blurProbability is \(blurProbability)")
        try check(gaussianSigmaRange.lowerBound > 0, "gaussianSigmaRange", "\(gaussianSigmaRange) must be positive")
        try check(averageKernelRange.lowerBound >= 1, "averageKernelRange", "\(averageKernelRange) must be at least 1")
        try check(medianKernelRange.lowerBound >= 1, "medianKernelRange", "\(medianKernelRange) must be at least 1")
        try check(motionKernelRange.lowerBound >= 3, "motionKernelRange", "\(motionKernelRange) must be at least 3")
        try check(motionDirectionRange.lowerBound >= -1 && motionDirectionRange.upperBound <= 1,
                  "motionDirectionRange", "\(motionDirectionRange) must lie in −1…1")
        try check(lowResolutionSizeRange.lowerBound >= 1 && lowResolutionSizeRange.upperBound <= size,
                  "lowResolutionSizeRange", "\(lowResolutionSizeRange) must lie in 1…\(size)")
        try check(!downsamplings.isEmpty, "downsamplings", "must name at least one filter")
        try check(noiseSigmaRange.lowerBound >= 0, "noiseSigmaRange", "\(noiseSigmaRange) must not be negative")
        try check(jpegQualityRange.lowerBound >= 1 && jpegQualityRange.upperBound <= 100,
                  "jpegQualityRange", "\(jpegQualityRange) must lie in 1…100")
    }
}
