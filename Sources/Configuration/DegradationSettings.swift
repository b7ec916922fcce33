/// `data.degrade:` SPARNetHD's random degradation, paper §IV-C.1 eq. 14:
/// `I_LR = ((I_HR * k) ↓s + n_δ)_JPEG_q`, then resized back to the generator's input size.
///
/// Every range is sampled uniformly per image; the order is the released `ffhq_dataset.py`'s:
/// grayscale (applied to the HR image too) → blur → downsample → noise → JPEG → upsample.
/// The paper gives the ranges; the probabilities of each step are the released code's
/// (`iaa.Sometimes(p, …)`), which the paper does not state.
public struct DegradationSettings: Codable, Hashable, Sendable, SettingsSection {
    /// Chance that the HR image (and so its LR) is made gray first (released `random_gray(p=0.3)`).
    public var grayscaleProbability = 0.3
    public var blur = BlurSettings()
    /// LR side as a fraction of the HR side: paper s ∈ [16/512, 128/512]. (Released:
    /// `np.random.randint(32, 128)` pixels of 512, i.e. [0.0625, 0.248].)
    public var downsample = 0.03125...0.25
    public var noise = NoiseSettings()
    public var jpeg = JPEGSettings()

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case grayscaleProbability = "grayscale_probability"
        case blur, downsample, noise, jpeg
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }

    init(from decoder: Decoder, over defaults: Self) throws {
        let c = try decoder.settingsContainer(keyedBy: CodingKeys.self)
        self = defaults
        grayscaleProbability = try c.value(.grayscaleProbability, or: grayscaleProbability)
        blur = try c.section(.blur, or: blur)
        downsample = try c.interval(.downsample, or: downsample)
        noise = try c.section(.noise, or: noise)
        jpeg = try c.section(.jpeg, or: jpeg)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeNumber(grayscaleProbability, forKey: .grayscaleProbability)
        try c.encode(blur, forKey: .blur)
        try c.encodeInterval(downsample, forKey: .downsample)
        try c.encode(noise, forKey: .noise)
        try c.encode(jpeg, forKey: .jpeg)
    }
}

/// `data.degrade.blur:` the blur kernel k_ϱ of eq. 14: with `probability`, one of four kinds,
/// chosen in proportion to their weights (released: `iaa.Sometimes(0.5, iaa.OneOf([...]))`, all
/// four equally likely; the paper: "we randomly choose one of the following four kernels").
public struct BlurSettings: Codable, Hashable, Sendable, SettingsSection {
    /// Chance that the image is blurred at all (released 0.5).
    public var probability = 0.5
    /// Gaussian blur, σ in pixels (paper 3 ≤ ϱ ≤ 15; imgaug `GaussianBlur(sigma=(3, 15))`).
    public var gaussian = GaussianBlurSettings()
    /// Box filter, kernel side in pixels (paper and imgaug `AverageBlur(k=(3, 15))`).
    public var average = KernelBlurSettings(kernel: 3...15)
    /// Median filter, kernel side in pixels (paper and imgaug `MedianBlur(k=(3, 15))`; imgaug
    /// rounds even sides up to odd).
    public var median = KernelBlurSettings(kernel: 3...15)
    /// Line kernel at a random angle, side in pixels (paper and imgaug `MotionBlur(k=(5, 25))`).
    public var motion = KernelBlurSettings(kernel: 5...25)

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case probability, gaussian, average, median, motion
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }

    init(from decoder: Decoder, over defaults: Self) throws {
        let c = try decoder.settingsContainer(keyedBy: CodingKeys.self)
        self = defaults
        probability = try c.value(.probability, or: probability)
        gaussian = try c.section(.gaussian, or: gaussian)
        average = try c.section(.average, or: average)
        median = try c.section(.median, or: median)
        motion = try c.section(.motion, or: motion)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeNumber(probability, forKey: .probability)
        try c.encode(gaussian, forKey: .gaussian)
        try c.encode(average, forKey: .average)
        try c.encode(median, forKey: .median)
        try c.encode(motion, forKey: .motion)
    }
}

/// `data.degrade.blur.gaussian:` relative weight among the blur kinds and the σ range.
public struct GaussianBlurSettings: Codable, Hashable, Sendable, SettingsSection {
    /// Relative chance among the four kinds (0 disables this kind).
    public var weight = 1.0
    /// σ in pixels.
    public var sigma = 3.0...15.0

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable { case weight, sigma }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }

    init(from decoder: Decoder, over defaults: Self) throws {
        let c = try decoder.settingsContainer(keyedBy: CodingKeys.self)
        self = defaults
        weight = try c.value(.weight, or: weight)
        sigma = try c.interval(.sigma, or: sigma)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeNumber(weight, forKey: .weight)
        try c.encodeInterval(sigma, forKey: .sigma)
    }
}

/// `data.degrade.blur.average|median|motion:` relative weight and the kernel side range.
public struct KernelBlurSettings: Codable, Hashable, Sendable, SettingsSection {
    /// Relative chance among the four kinds (0 disables this kind).
    public var weight = 1.0
    /// Kernel side in pixels.
    public var kernel: ClosedRange<Int>

    public init(weight: Double = 1, kernel: ClosedRange<Int>) {
        self.weight = weight
        self.kernel = kernel
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case weight, kernel }

    /// Decoded on its own, a section starts from the average and median blurs' range, 3…15.
    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self(kernel: 3...15)) }

    init(from decoder: Decoder, over defaults: Self) throws {
        let c = try decoder.settingsContainer(keyedBy: CodingKeys.self)
        self = defaults
        weight = try c.value(.weight, or: weight)
        kernel = try c.interval(.kernel, or: kernel)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeNumber(weight, forKey: .weight)
        try c.encodeInterval(kernel, forKey: .kernel)
    }
}

/// `data.degrade.noise:` the additive white Gaussian noise n_δ of eq. 14.
public struct NoiseSettings: Codable, Hashable, Sendable, SettingsSection {
    /// Chance that noise is added (released `iaa.Sometimes(0.2, …)`).
    public var probability = 0.2
    /// δ is uniform in [0, sigmaMax], on the 0–255 scale (paper 0 ≤ δ ≤ 0.1 × 255; released
    /// `AdditiveGaussianNoise(scale=(0.0, 0.1*255))`).
    public var sigmaMax = 25.5
    /// Chance that each channel gets its own noise rather than one shared map (released
    /// `per_channel=0.5`).
    public var perChannelProbability = 0.5

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case probability
        case sigmaMax = "sigma_max"
        case perChannelProbability = "per_channel_probability"
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }

    init(from decoder: Decoder, over defaults: Self) throws {
        let c = try decoder.settingsContainer(keyedBy: CodingKeys.self)
        self = defaults
        probability = try c.value(.probability, or: probability)
        sigmaMax = try c.value(.sigmaMax, or: sigmaMax)
        perChannelProbability = try c.value(.perChannelProbability, or: perChannelProbability)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeNumber(probability, forKey: .probability)
        try c.encodeNumber(sigmaMax, forKey: .sigmaMax)
        try c.encodeNumber(perChannelProbability, forKey: .perChannelProbability)
    }
}

/// `data.degrade.jpeg:` the JPEG step of eq. 14, as an encoder quality (1 worst … 100 best).
public struct JPEGSettings: Codable, Hashable, Sendable, SettingsSection {
    /// Chance that the LR image is JPEG-compressed (released `iaa.Sometimes(0.7, …)`).
    public var probability = 0.7
    /// Quality range. The paper's "compression level in [60, 85]" is imgaug's `compression`,
    /// which imgaug maps to quality round(1 + 99·(1 − c/101)): [17, 41]. (Released:
    /// `JpegCompression(compression=(10, 65))`, i.e. quality [36, 90].)
    public var quality = 17...41

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable { case probability, quality }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }

    init(from decoder: Decoder, over defaults: Self) throws {
        let c = try decoder.settingsContainer(keyedBy: CodingKeys.self)
        self = defaults
        probability = try c.value(.probability, or: probability)
        quality = try c.interval(.quality, or: quality)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeNumber(probability, forKey: .probability)
        try c.encodeInterval(quality, forKey: .quality)
    }
}
