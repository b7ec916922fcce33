/// SPARNetHD's random degradation (`SPARNetHDDegradation`), paper §IV-C.1 eq. 14:
/// `I_LR = ((I_HR * k) ↓s + n_δ)_JPEG_q`, then resized back to the generator's input size; the
/// run configuration's `data.degrade` section, key for key (`Configuration` reads and writes it).
///
/// Every range is sampled uniformly per image; the order is the released `ffhq_dataset.py`'s:
/// grayscale (applied to the HR image too) → blur → downsample → noise → JPEG → upsample.
/// The paper gives the ranges; the probabilities of each step are the released code's
/// (`iaa.Sometimes(p, …)`, on imgaug 0.4), which the paper does not state. Where the two
/// disagree — the downsampled size and the JPEG quality — the defaults follow the paper and
/// `releasedCode` holds the released values. The configuration's validator checks the ranges.
public struct DegradationSettings: Hashable, Sendable {
    /// Chance that the HR image (and so its LR) is made gray first (released `random_gray(p=0.3)`).
    public var grayscaleProbability = 0.3
    public var blur = BlurSettings()
    /// LR side as a fraction of the HR side: paper s ∈ [16/512, 128/512], drawn as a whole
    /// number of pixels (at least 1). (Released: `np.random.randint(32, 128)` pixels of 512.)
    public var downsample = 0.03125...0.25
    public var noise = NoiseSettings()
    public var jpeg = JPEGSettings()

    /// The paper's ranges with the released code's probabilities (see each field).
    public init() {}

    /// The released code's values throughout (data/ffhq_dataset.py): LR sides 32…127 of 512,
    /// JPEG quality 36…90.
    public static var releasedCode: DegradationSettings {
        var settings = DegradationSettings()
        settings.downsample = (32.0 / 512)...(127.0 / 512)
        settings.jpeg.quality = 36...90
        return settings
    }

    /// The LR sides drawn for `size`×`size` images: `downsample` × `size`, rounded, at least 1.
    public func lowResolutionSizes(size: Int) -> ClosedRange<Int> {
        let side = { (fraction: Double) in max(1, Int((fraction * Double(size)).rounded())) }
        return side(downsample.lowerBound)...side(downsample.upperBound)
    }
}

/// `data.degrade.blur:` the blur kernel k_ϱ of eq. 14: with `probability`, one of the kinds of
/// positive weight, all equally likely (released: `iaa.Sometimes(0.5, iaa.OneOf([...]))`; the
/// paper: "we randomly choose one of the following four kernels"). The validator requires the
/// kinds in use to share one weight.
public struct BlurSettings: Hashable, Sendable {
    /// Chance that the image is blurred at all (released 0.5; the paper blurs always).
    public var probability = 0.5
    /// Gaussian blur, σ in pixels (paper 3 ≤ ϱ ≤ 15; imgaug `GaussianBlur(sigma=(3, 15))`); the
    /// window is imgaug's size for σ (`RGBImage.gaussianKernelSize(sigma:)`).
    public var gaussian = GaussianBlurSettings()
    /// Box filter, kernel side in pixels, even sides allowed (paper and imgaug `AverageBlur(k=(3, 15))`).
    public var average = KernelBlurSettings(kernel: 3...15)
    /// Median filter, kernel side in pixels (paper and imgaug `MedianBlur(k=(3, 15))`; even
    /// sides are raised by 1, as imgaug does).
    public var median = KernelBlurSettings(kernel: 3...15)
    /// Line kernel at a random angle, side in pixels, even sides raised by 1 (paper and imgaug
    /// `MotionBlur(k=(5, 25))`).
    public var motion = KernelBlurSettings(kernel: 5...25)

    public init() {}

    /// The kinds a blur picks from: those of positive weight, in this order.
    public var kindsInUse: [BlurKind] {
        [(BlurKind.gaussian, gaussian.weight), (.average, average.weight), (.median, median.weight), (.motion, motion.weight)]
            .filter { $0.1 > 0 }.map(\.0)
    }
}

/// The blur kernels of eq. 14.
public enum BlurKind: String, Hashable, Sendable, CaseIterable {
    case gaussian, average, median, motion
}

/// `data.degrade.blur.gaussian:` relative weight among the blur kinds and the σ range.
public struct GaussianBlurSettings: Hashable, Sendable {
    /// Relative chance among the four kinds (0 disables this kind).
    public var weight = 1.0
    /// σ in pixels.
    public var sigma = 3.0...15.0

    public init() {}
}

/// `data.degrade.blur.average|median|motion:` relative weight and the kernel side range.
public struct KernelBlurSettings: Hashable, Sendable {
    /// Relative chance among the four kinds (0 disables this kind).
    public var weight = 1.0
    /// Kernel side in pixels.
    public var kernel: ClosedRange<Int>

    public init(weight: Double = 1, kernel: ClosedRange<Int>) {
        self.weight = weight
        self.kernel = kernel
    }
}

/// `data.degrade.noise:` the additive white Gaussian noise n_δ of eq. 14.
public struct NoiseSettings: Hashable, Sendable {
    /// Chance that noise is added (released `iaa.Sometimes(0.2, …)`; the paper always adds).
    public var probability = 0.2
    /// δ is uniform in [0, sigmaMax], on the 0–255 scale (paper 0 ≤ δ ≤ 0.1 × 255; released
    /// `AdditiveGaussianNoise(scale=(0.0, 0.1*255))`).
    public var sigmaMax = 25.5
    /// Chance that each channel gets its own noise rather than one shared map (released
    /// `per_channel=0.5`).
    public var perChannelProbability = 0.5

    public init() {}
}

/// `data.degrade.jpeg:` the JPEG step of eq. 14, as an encoder quality (1 worst … 100 best).
public struct JPEGSettings: Hashable, Sendable {
    /// Chance that the LR image is JPEG-compressed (released `iaa.Sometimes(0.7, …)`; the paper always).
    public var probability = 0.7
    /// Quality range, uniform over the integers. The paper's "compression level in [60, 85]" is
    /// imgaug's `compression`, which imgaug maps to quality round(1 + 99·(1 − c/101)): [17, 41].
    /// (Released: `JpegCompression(compression=(10, 65))`, i.e. quality [36, 90].)
    public var quality = 17...41

    public init() {}
}
