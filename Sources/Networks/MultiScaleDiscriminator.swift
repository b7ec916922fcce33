import Kernels
import Tensors

/// SPARNetHD's discriminator, the reference's `MultiScaleDiscriminator` (models/networks.py):
/// `num_D` independent `NLayerDiscriminator`s, the k-th seeing the input bicubic-downsampled
/// (×0.5, A = −0.75, align_corners False) k times. With `return_feat=True` the reference returns,
/// per scale, the score map and every `model.<i>` output; SPARNetHD's generator is trained
/// through it (GAN and feature-matching losses), so the gradient reaches `input`.
/// Keys: `D_pool.<k>.*`, each an `NLayerDiscriminator`'s (the downsampling has no state).
public final class MultiScaleDiscriminator: Network {
    /// What one scale sees and produces.
    public struct ScaleMaps: Sendable {
        /// The input downsampled k times (scale 0: the input itself).
        public let input: FeatureMap
        /// The patch scores (N, 1, H', W').
        public let score: FeatureMap
        /// The output of each `model.<i>`, i = 0 … layers.
        public let features: [FeatureMap]
    }

    public let configuration: DiscriminatorConfiguration
    public let batch: Int
    /// Every layer in forward order: D_0, downsample, D_1, downsample, …
    public let layers: [any Layer]
    public let parameterStarts: [Int]
    public let memory: NetworkMemory
    /// The full-resolution input (N, C, H, W).
    public let input: FeatureMap
    /// Scale 0 … num_D − 1.
    public let scales: [ScaleMaps]

    /// Builds the network for `batch` images and initializes it as the reference does (conv
    /// weights N(0, 0.02), biases 0, InstanceNorm 1 and 0, spectral-norm u, v random unit
    /// vectors) from `seed`.
    /// With `state`, the new instance is a workspace over that state (another instance's
    /// `memory.state`): one discriminator applied to several inputs per step, each with its own
    /// activations.
    /// The input's, scores' and features' gradients are exposed (losses write the scores' and
    /// features', the generator reads the input's).
    public init(_ configuration: DiscriminatorConfiguration, batch: Int, seed: UInt64 = 0,
                gradientMemory: GradientMemory = .byLifetime,
                state: NetworkState? = nil, convolution: ConvolutionOptions = .default) throws {
        try configuration.validate()
        self.configuration = configuration
        self.batch = batch
        let builder = NetworkBuilder(batch: batch, convolution: convolution)
        (input, scales) = Self.build(configuration, in: builder)
        layers = builder.layers
        parameterStarts = builder.parameterStarts
        memory = builder.makeMemory(seed: seed, gradientMemory: gradientMemory, state: state)
    }

    /// The `state_dict` of `configuration` (keys, shapes, parameter count) without allocating
    /// the network.
    public static func describe(_ configuration: DiscriminatorConfiguration) throws -> NetworkDescription {
        try configuration.validate()
        let builder = NetworkBuilder(batch: 1)
        _ = build(configuration, in: builder)
        return NetworkDescription(builder)
    }

    private static func build(_ c: DiscriminatorConfiguration, in builder: NetworkBuilder)
        -> (input: FeatureMap, scales: [ScaleMaps]) {
        let input = builder.inputMap(channels: c.inputChannels, height: c.inputHeight, width: c.inputWidth)
        var scales: [ScaleMaps] = []
        var x = input
        builder.scoped("D_pool") {
            for k in 0..<c.scaleCount {
                if k > 0 { x = builder.add(BicubicDownsample(builder, "downsample\(k)", input: x)).output }
                let discriminator = NLayerDiscriminator(
                    builder, "\(k)", input: x, baseChannels: c.baseChannels, maxChannels: c.maxChannels,
                    depth: c.layerCount, norm: c.norm, activation: c.activation, spectralNorm: c.spectralNorm)
                builder.exposeGradient(discriminator.score)
                for feature in discriminator.features { builder.exposeGradient(feature) }
                scales.append(ScaleMaps(input: x, score: discriminator.score, features: discriminator.features))
            }
        }
        return (input, scales)
    }

    /// The gradient at `input` (N, C, H, W) after `backward`: what flows back to the generator.
    public var inputGradient: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: memory.gradient(input), count: input.count)
    }
}
