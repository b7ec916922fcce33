import Configuration
import Datasets

extension Datasets.DegradationSettings {
    /// The pipeline's degradation from the configuration's `data.degrade` section, for
    /// `size`×`size` images.
    init(_ c: Configuration.DegradationSettings, size: Int) throws {
        self.init()
        grayscaleProbability = c.grayscaleProbability
        blurProbability = c.blur.probability
        let kinds: [(Blur, Double)] = [(.gaussian, c.blur.gaussian.weight), (.average, c.blur.average.weight),
                                       (.median, c.blur.median.weight), (.motion, c.blur.motion.weight)]
        let used = kinds.filter { $0.1 > 0 }
        guard let first = used.first, used.allSatisfy({ $0.1 == first.1 }) else {
            throw ConfigurationError(key: "data.degrade.blur",
                                     message: "the blur kinds are drawn equally likely: give the ones in use the same weight (others 0)")
        }
        blurs = used.map(\.0)
        gaussianSigmaRange = c.blur.gaussian.sigma
        averageKernelRange = c.blur.average.kernel
        medianKernelRange = c.blur.median.kernel
        motionKernelRange = c.blur.motion.kernel
        noiseProbability = c.noise.probability
        noiseSigmaRange = 0...c.noise.sigmaMax
        noisePerChannelProbability = c.noise.perChannelProbability
        jpegProbability = c.jpeg.probability
        jpegQualityRange = c.jpeg.quality
        lowResolutionSizeRange = Int((c.downsample.lowerBound * Double(size)).rounded())...Int((c.downsample.upperBound * Double(size)).rounded())
    }
}
