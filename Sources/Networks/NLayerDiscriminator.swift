import Tensors

/// The reference's `NLayerDiscriminator` (models/networks.py), a PatchGAN: `model.0` a 3×3 conv
/// to `base` channels with bias, no norm, and the activation; `model.1` … `model.<depth>` stride-2
/// 3×3 convs from min(base·2^(i−1), max) to min(base·2^i, max) channels with norm and activation;
/// `score_out` an unpadded 3×3 conv to one channel with bias and nothing after it. Every padded
/// conv reflection-pads by 1. With `return_feat=True` the reference also returns each `model.<i>`
/// output; the scores and those features are `score` and `features`.
/// Keys: `model.<i>.*`, then `score_out.*`, each a `ConvLayer`'s. The convs are the builder's
/// layers, so each conv's gradients live only around its own backward.
public final class NLayerDiscriminator {
    public let input: FeatureMap
    /// The output of `model.0` … `model.<depth>`, in order (the reference's feature list).
    public let features: [FeatureMap]
    /// The patch scores (N, 1, H', W') of `score_out`.
    public let score: FeatureMap

    /// Appends the discriminator's convs to `builder` under `name`, reading `input`; the
    /// arguments are the reference constructor's (`base_ch`, `max_ch`, `depth`, `norm_type`,
    /// `relu_type`) plus spectral normalization on every conv. The input must be large enough
    /// (`DiscriminatorConfiguration.validate` checks it for a whole multi-scale network).
    public init(_ builder: NetworkBuilder, _ name: String, input: FeatureMap, baseChannels: Int = 64,
                maxChannels: Int = 512, depth: Int = 4, norm: NormKind = .none,
                activation: ActivationKind = .leakyrelu, spectralNorm: Bool = false) {
        precondition(depth > 0 && baseChannels > 0 && maxChannels >= baseChannels,
                     "NLayerDiscriminator: needs depth ≥ 1 and 0 < base ≤ max channels (got depth \(depth), base \(baseChannels), max \(maxChannels))")
        let last = DiscriminatorConfiguration.featureSize(min(input.height, input.width), layers: depth)
        precondition(last >= 3,
                     "NLayerDiscriminator: a \(input.height)×\(input.width) input reaches \(last) after \(depth) stride-2 layers; the 3×3 score conv needs 3")
        self.input = input
        var layers: [ConvLayer] = []
        builder.scoped(name) {
            builder.scoped("model") {
                layers.append(builder.add(ConvLayer(builder, "0", input: input, outputChannels: baseChannels,
                                                    activation: activation, spectralNorm: spectralNorm)))
                var channels = baseChannels
                for i in 1...depth {
                    channels = min(channels * 2, maxChannels)
                    layers.append(builder.add(ConvLayer(builder, "\(i)", input: layers[i - 1].output,
                                                        outputChannels: channels, scale: .down, norm: norm,
                                                        activation: activation, spectralNorm: spectralNorm)))
                }
            }
            layers.append(builder.add(ConvLayer(builder, "score_out", input: layers[depth].output,
                                                outputChannels: 1, usePadding: false, spectralNorm: spectralNorm)))
        }
        features = layers.dropLast().map(\.output)
        score = layers[layers.count - 1].output
    }
}
