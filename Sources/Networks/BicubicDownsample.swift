import Kernels

/// Bicubic ×0.5 downsampling between the scales of the multi-scale discriminator:
/// `F.interpolate(x, scale_factor=0.5, mode='bicubic', align_corners=False)`, output ⌊H/2⌋ × ⌊W/2⌋.
final class BicubicDownsample: Layer {
    let input: FeatureMap
    let output: FeatureMap

    init(_ builder: NetworkBuilder, _ name: String, input: FeatureMap) {
        precondition(input.height >= 2 && input.width >= 2,
                     "BicubicDownsample: needs an input of at least 2×2, got \(input)")
        self.input = input
        output = builder.scoped(name) {
            builder.featureMap(channels: input.channels, height: input.height / 2, width: input.width / 2)
        }
    }

    var featureMaps: [FeatureMap] { [input, output] }

    func forward(_ pass: Pass) {
        bicubicDownsample2xForward(input: pass.value(input), output: pass.value(output), batch: input.batch,
                                   channels: input.channels, height: input.height, width: input.width)
    }

    func backward(_ pass: Pass) {
        bicubicDownsample2xBackward(outputGradient: pass.gradient(output), inputGradient: pass.gradient(input),
                                    batch: input.batch, channels: input.channels,
                                    height: input.height, width: input.width)
    }
}
