import Imaging

/// The SPARNetHD training sample of a `size`² face (paper eq. 14,
/// I_LR = ((I_HR ∗ k) ↓s + n)_JPEG, as the released data/ffhq_dataset.py runs it): the HR
/// target is the face (gray with `grayscaleProbability`), the LR image its degraded copy at a
/// random size, LR-up that image Pillow bicubic back to `size`.
///
/// Stages and draws, in order, from the sample's generator (`DegradationSettings` for ranges):
/// 1. gray (one `chance`): HR and everything after become R = G = B;
/// 2. blur (one `chance`), then the kernel (one `integer`) and its parameters: Gaussian σ
///    (`uniform`); average size (`integer`); median size (`integer`, even + 1); motion size
///    (`integer`, even + 1), angle and direction (two `uniform`s);
/// 3. downsample to s×s, s from `lowResolutionSizeRange` (`integer`), filter from
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
    public let size: Int
    public let settings: DegradationSettings

    /// - Throws: `DatasetError` for invalid settings.
    public init(size: Int = 512, settings: DegradationSettings = DegradationSettings()) throws {
        try settings.validate(size: size)
        self.size = size
        self.settings = settings
    }

    public func images(from image: RGBImage, random: inout SampleRandom) throws -> SampleImages {
        try checkSize(of: image)
        let highResolution = random.chance(settings.grayscaleProbability) ? image.grayscaled() : image
        var degraded = highResolution
        if random.chance(settings.blurProbability) {
            degraded = blurred(degraded, random: &random)
        }
        let lowSize = random.integer(in: settings.lowResolutionSizeRange)
        let downsampling = settings.downsamplings[random.integer(in: 0...(settings.downsamplings.count - 1))]
        switch downsampling {
        case .nearest: degraded = degraded.resizedNearest(width: lowSize, height: lowSize)
        case .area: degraded = degraded.resizedArea(width: lowSize, height: lowSize)
        case .bilinear: degraded = degraded.resized(width: lowSize, height: lowSize, filter: .bilinear)
        case .bicubic: degraded = degraded.resized(width: lowSize, height: lowSize, filter: .bicubic)
        }
        if random.chance(settings.noiseProbability) {
            let sigma = random.uniform(in: settings.noiseSigmaRange)
            let perChannel = random.chance(settings.noisePerChannelProbability)
            degraded = degraded.addingGaussianNoise(sigma: sigma, perChannel: perChannel, random: &random)
        }
        if random.chance(settings.jpegProbability) {
            degraded = try degraded.jpegCompressed(quality: random.integer(in: settings.jpegQualityRange))
        }
        return SampleImages(highResolution: highResolution, lowResolution: degraded,
                            lowResolutionUp: degraded.resized(width: size, height: size, filter: .bicubic))
    }

    private func blurred(_ image: RGBImage, random: inout SampleRandom) -> RGBImage {
        let odd = { (size: Int) in size % 2 == 0 ? size + 1 : size }
        switch settings.blurs[random.integer(in: 0...(settings.blurs.count - 1))] {
        case .gaussian:
            return image.gaussianBlurred(sigma: random.uniform(in: settings.gaussianSigmaRange))
        case .average:
            return image.boxBlurred(kernelSize: random.integer(in: settings.averageKernelRange))
        case .median:
            return image.medianBlurred(kernelSize: odd(random.integer(in: settings.medianKernelRange)))
        case .motion:
            let kernelSize = random.integer(in: settings.motionKernelRange)
            let angle = random.uniform(in: settings.motionAngleRange)
            let direction = random.uniform(in: settings.motionDirectionRange)
            return image.motionBlurred(kernelSize: kernelSize, angle: angle, direction: direction)
        }
    }
}
