import Tensors

/// The first half of the reference's `PCPFeat.preprocess` (models/loss.py): an image in
/// [−1, 1] to [0, 1], then ImageNet's normalisation, `((x + 1) / 2 − mean_c) / std_c`, in
/// PyTorch's order of Float operations (divisions, not reciprocal products, so the rounding
/// matches).
final class ImageNetNormalization: Layer {
    /// torchvision's ImageNet channel means and standard deviations (RGB).
    static let mean: [Float] = [0.485, 0.456, 0.406]
    static let standardDeviation: [Float] = [0.229, 0.224, 0.225]

    let input: FeatureMap
    let output: FeatureMap

    init(_ builder: NetworkBuilder, _ name: String, input: FeatureMap) {
        precondition(input.channels == 3, "ImageNetNormalization: input \(input) is not RGB")
        self.input = input
        output = builder.scoped(name) {
            builder.featureMap(channels: 3, height: input.height, width: input.width)
        }
    }

    var featureMaps: [FeatureMap] { [input, output] }

    func forward(_ pass: Pass) {
        let plane = input.plane
        for image in 0..<input.batch {
            for channel in 0..<3 {
                let offset = (image * 3 + channel) * plane
                let x = pass.value(input) + offset, y = pass.value(output) + offset
                let m = Self.mean[channel], s = Self.standardDeviation[channel]
                for i in 0..<plane { y[i] = ((x[i] + 1) / 2 - m) / s }
            }
        }
    }

    /// dx += (dy / std_c) / 2, autograd's order.
    func backward(_ pass: Pass) {
        let plane = input.plane
        for image in 0..<input.batch {
            for channel in 0..<3 {
                let offset = (image * 3 + channel) * plane
                let dy = pass.gradient(output) + offset, dx = pass.gradient(input) + offset
                let s = Self.standardDeviation[channel]
                for i in 0..<plane { dx[i] += dy[i] / s / 2 }
            }
        }
    }
}
