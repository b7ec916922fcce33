import Kernels
import Tensors

/// `F.interpolate(x, size=(Ho, Wo), mode='bilinear', align_corners=False)` (no antialias): the
/// resize to 224×224 in the reference's `PCPFeat.preprocess`.
final class BilinearResize: Layer {
    let input: FeatureMap
    let output: FeatureMap

    init(_ builder: NetworkBuilder, _ name: String, input: FeatureMap, height: Int, width: Int) {
        self.input = input
        output = builder.scoped(name) {
            builder.featureMap(channels: input.channels, height: height, width: width)
        }
    }

    var featureMaps: [FeatureMap] { [input, output] }

    func forward(_ pass: Pass) {
        bilinearResizeForward(input: pass.value(input), output: pass.value(output), batch: input.batch,
                              channels: input.channels, height: input.height, width: input.width,
                              outputHeight: output.height, outputWidth: output.width)
    }

    func backward(_ pass: Pass) {
        bilinearResizeBackward(outputGradient: pass.gradient(output), inputGradient: pass.gradient(input),
                               batch: input.batch, channels: input.channels, height: input.height,
                               width: input.width, outputHeight: output.height, outputWidth: output.width)
    }
}
