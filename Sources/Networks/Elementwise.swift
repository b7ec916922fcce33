import Kernels
import Tensors

/// `output = a + b` (the residual sum, the hourglass's `up1 + up2`).
final class Sum: Layer {
    let a: FeatureMap
    let b: FeatureMap
    let output: FeatureMap

    init(_ builder: NetworkBuilder, _ a: FeatureMap, _ b: FeatureMap) {
        precondition(a.shape == b.shape, "Sum: shapes \(a) and \(b) differ")
        self.a = a
        self.b = b
        output = builder.featureMap(channels: a.channels, height: a.height, width: a.width)
    }

    var featureMaps: [FeatureMap] { [a, b, output] }

    func forward(_ pass: Pass) { addForward(pass.value(a), pass.value(b), output: pass.value(output), count: a.count) }

    func backward(_ pass: Pass) {
        addBackward(outputGradient: pass.gradient(output), aGradient: pass.gradient(a), bGradient: pass.gradient(b),
                    count: a.count)
    }
}

/// Nearest resize to another map's size (`F.interpolate(x, size)` in the hourglass when an
/// odd size makes the upsampled branch one pixel larger).
final class NearestResize: Layer {
    let input: FeatureMap
    let output: FeatureMap

    init(_ builder: NetworkBuilder, _ input: FeatureMap, height: Int, width: Int) {
        self.input = input
        output = builder.featureMap(channels: input.channels, height: height, width: width)
    }

    var featureMaps: [FeatureMap] { [input, output] }

    func forward(_ pass: Pass) {
        nearestResizeForward(input: pass.value(input), output: pass.value(output), batch: input.batch,
                             channels: input.channels, height: input.height, width: input.width,
                             outputHeight: output.height, outputWidth: output.width)
    }

    func backward(_ pass: Pass) {
        nearestResizeBackward(outputGradient: pass.gradient(output), inputGradient: pass.gradient(input),
                              batch: input.batch, channels: input.channels, height: input.height, width: input.width,
                              outputHeight: output.height, outputWidth: output.width)
    }
}

/// The attention of a Face Attention Unit: `map = sigmoid(logits)` and `output = features · map`,
/// the map broadcast over channels when it has one channel (2D attention).
final class SpatialAttention: Layer {
    let features: FeatureMap
    let logits: FeatureMap
    /// The sigmoid attention map (the reference's `att_map`).
    let map: FeatureMap
    let output: FeatureMap
    private let geometry: AttentionGeometry

    init(_ builder: NetworkBuilder, features: FeatureMap, logits: FeatureMap) {
        precondition(logits.channels == 1 || logits.channels == features.channels,
                     "SpatialAttention: a \(logits.channels)-channel map for \(features.channels) channels")
        self.features = features
        self.logits = logits
        map = builder.featureMap(channels: logits.channels, height: logits.height, width: logits.width)
        output = builder.featureMap(channels: features.channels, height: features.height, width: features.width)
        geometry = AttentionGeometry(batch: features.batch, channels: features.channels,
                                     attentionChannels: logits.channels, height: features.height, width: features.width)
    }

    var featureMaps: [FeatureMap] { [features, logits, map, output] }

    func forward(_ pass: Pass) {
        sigmoidForward(count: logits.count, input: pass.value(logits), output: pass.value(map))
        attentionMultiplyForward(geometry, features: pass.value(features), attention: pass.value(map),
                                 output: pass.value(output))
    }

    func backward(_ pass: Pass) {
        attentionMultiplyBackward(geometry, features: pass.value(features), attention: pass.value(map),
                                  outputGradient: pass.gradient(output), featuresGradient: pass.gradient(features),
                                  attentionGradient: pass.gradient(map))
        sigmoidBackward(count: logits.count, output: pass.value(map), outputGradient: pass.gradient(map),
                        inputGradient: pass.gradient(logits))
    }
}
