import Kernels
import Tensors

/// `nn.MaxPool2d(kernel_size=2, stride=2)` (VGG's pooling): each 2×2 window's maximum, floor
/// mode, so an odd last row or column is dropped.
final class MaxPool2x2: Layer {
    let input: FeatureMap
    let output: FeatureMap

    init(_ builder: NetworkBuilder, _ name: String, input: FeatureMap) {
        precondition(input.height >= 2 && input.width >= 2, "MaxPool2x2: input \(input) is smaller than 2×2")
        self.input = input
        output = builder.scoped(name) {
            builder.featureMap(channels: input.channels, height: input.height / 2, width: input.width / 2)
        }
    }

    var featureMaps: [FeatureMap] { [input, output] }

    func forward(_ pass: Pass) {
        maxPool2x2Forward(input: pass.value(input), output: pass.value(output), batch: input.batch,
                          channels: input.channels, height: input.height, width: input.width)
    }

    func backward(_ pass: Pass) {
        maxPool2x2Backward(input: pass.value(input), outputGradient: pass.gradient(output),
                           inputGradient: pass.gradient(input), batch: input.batch,
                           channels: input.channels, height: input.height, width: input.width)
    }
}
