import HDF5
import Kernels
import Networks
import Tensors

extension DiscriminatorConfiguration {
    /// The configuration of a reference `MultiScaleDiscriminator(**kwargs)` call as a golden file
    /// records it, on an input of `inputShape` (N, C, H, W). Arguments the file leaves out take
    /// the constructor's defaults (base_ch 64, n_layers 4, norm_type 'none', relu_type
    /// 'LeakyReLU', num_D 4); `max_ch` is always `NLayerDiscriminator`'s 512.
    init(fixture: ReferenceFixture, section: String = "model", inputShape: Shape) throws {
        self.init()
        let file = fixture.path
        let arguments = fixture.arguments(section)
        func int(_ key: String, default value: Int?) throws -> Int {
            if arguments[key] == nil, let value { return value }
            return try fixture.int(key, in: section)
        }
        func string(_ key: String, default value: String) throws -> String {
            arguments[key] == nil ? value : try fixture.string(key, in: section)
        }
        inputChannels = try int("input_ch", default: nil)
        baseChannels = try int("base_ch", default: 64)
        layerCount = try int("n_layers", default: 4)
        scaleCount = try int("num_D", default: 4)
        maxChannels = 512
        guard inputShape.rank == 4, inputShape[1] == inputChannels else {
            throw HDF5Error(file: file, object: "/input", "has shape \(inputShape), not (N, \(inputChannels), H, W) for input_ch \(inputChannels)")
        }
        inputHeight = inputShape[2]
        inputWidth = inputShape[3]
        // NormLayer and ReluLayer lower-case their argument, but ConvLayer decides on a bias with
        // the verbatim `norm_type in ['pixel', 'none']`: 'None' means no norm and no bias.
        let normName = try string("norm_type", default: "none")
        let norms: [String: NormKind] = ["bn": .batch, "in": .instance, "none": .none]
        guard let normKind = norms[normName.lowercased()] else {
            throw HDF5Error(file: file, object: "config.\(section).norm_type",
                            "\"\(normName)\" is not one of \(norms.keys.sorted().joined(separator: ", "))")
        }
        guard normKind != .none || normName == "none" else {
            throw HDF5Error(file: file, object: "config.\(section).norm_type",
                            "\"\(normName)\" gives the reference's convs neither a norm nor a bias, which ConvLayer does not model")
        }
        norm = normKind
        let activationName = try string("relu_type", default: "LeakyReLU")
        let activations: [String: ActivationKind] = ["leakyrelu": .leakyrelu, "prelu": .prelu, "relu": .relu, "none": .none]
        guard let activationKind = activations[activationName.lowercased()] else {
            throw HDF5Error(file: file, object: "config.\(section).relu_type",
                            "\"\(activationName)\" is not one of \(activations.keys.sorted().joined(separator: ", "))")
        }
        activation = activationKind
        spectralNorm = fixture.config["spectral_norm"] as? Bool ?? false
    }
}

/// Recomputes a multi-scale discriminator fixture (`msd_D.h5`, `msd_sn_F.h5`): one training
/// forward with `return_feat=True` (each spectral-normalized conv making its one power
/// iteration), then the gradient of `loss = Σ_k mean(outputs[k])`. Compares every scale's
/// downsampled input, scores and feature maps, the loss, every parameter gradient, the input
/// gradient and, with spectral norm, u and v after the power iteration.
func verifyDiscriminator(_ fixture: ReferenceFixture, convolution: ConvolutionOptions = .default) throws -> ParityReport {
    var report = ParityReport(file: fixture.path, kind: fixture.kind)
    let file = fixture.path
    let input = try fixture.tensor("input")
    let configuration = try DiscriminatorConfiguration(fixture: fixture, inputShape: input.shape)
    let network = try MultiScaleDiscriminator(configuration, batch: input.shape[0], convolution: convolution)
    let memory = network.memory
    try memory.loadState(try fixture.tensors(inGroup: "weights"))
    memory.copy(input.values, into: network.input)
    network.forward(training: true)

    /// The fixture's tensor at `path` beside ours at `map`, shapes checked.
    func pair(_ path: String, _ map: FeatureMap) throws -> (key: String, actual: [Float], expected: [Float]) {
        let expected = try fixture.tensor(path)
        guard expected.shape == map.shape else {
            throw HDF5Error(file: file, object: "/\(path)", "has shape \(expected.shape), the network's is \(map.shape)")
        }
        return (path, Array(memory.values(map)), expected.values)
    }
    /// Checks that a fixture group holds exactly the members `0` … `count − 1`.
    func expectMembers(_ path: String, count: Int) throws {
        let names = try fixture.file.group(path).memberNames().sorted()
        guard names == (0..<count).map(String.init).sorted() else {
            throw HDF5Error(file: file, object: "/\(path)", "holds \(names), the network has \(count) entries")
        }
    }

    let scales = network.scales
    try expectMembers("downsampled_input", count: scales.count)
    try expectMembers("outputs", count: scales.count)
    try expectMembers("features", count: scales.count)
    report.compareAll("downsampled_input (\(scales.count) scales)",
                      try scales.indices.map { try pair("downsampled_input/\($0)", scales[$0].input) },
                      relativeToMax: ParityTolerance.forward, globalScale: false)
    report.compareAll("outputs (\(scales.count) scales)",
                      try scales.indices.map { try pair("outputs/\($0)", scales[$0].score) },
                      relativeToMax: ParityTolerance.forward, globalScale: false)
    var features: [(key: String, actual: [Float], expected: [Float])] = []
    for (k, scale) in scales.enumerated() {
        try expectMembers("features/\(k)", count: scale.features.count)
        for (l, map) in scale.features.enumerated() { features.append(try pair("features/\(k)/\(l)", map)) }
    }
    report.compareAll("features (\(features.count) maps)", features,
                      relativeToMax: ParityTolerance.forward, globalScale: false)

    // loss = Σ_k mean(outputs[k]); its gradient at each score map is 1 / count.
    var loss = 0.0
    for scale in scales {
        loss += memory.values(scale.score).reduce(0.0) { $0 + Double($1) } / Double(scale.score.count)
    }
    report.compare("loss", [Float(loss)], [try fixture.file.dataset("loss").readScalar(Float.self)],
                   relativeToMax: ParityTolerance.forward)
    memory.zeroGradients()
    for scale in scales {
        memory.gradient(scale.score).update(repeating: 1 / Float(scale.score.count), count: scale.score.count)
    }
    network.backward(training: true)

    let gradients = Dictionary(uniqueKeysWithValues: memory.exportGradients().map { ($0.key, $0.tensor.values) })
    let referenceGradients = try fixture.tensors(inGroup: "grads")
    guard referenceGradients.count == gradients.count else {
        throw HDF5Error(file: file, object: "/grads", "holds \(referenceGradients.count) tensors, the network has \(gradients.count) parameters")
    }
    report.compareAll("grads (\(referenceGradients.count) tensors)",
                      try fixture.paired(referenceGradients, in: "/grads",
                                         absent: "is not a parameter of the network") { gradients[$0] },
                      relativeToMax: ParityTolerance.gradient, globalScale: true)
    let inputGradient = try fixture.tensor("input_grad")
    guard inputGradient.shape == network.input.shape else {
        throw HDF5Error(file: file, object: "/input_grad", "has shape \(inputGradient.shape), the input's is \(network.input.shape)")
    }
    report.compare("input_grad", Array(network.inputGradient), inputGradient.values,
                   relativeToMax: ParityTolerance.gradient)

    if try fixture.file.contains("train/spectral_norm") {
        let expected = try fixture.tensors(inGroup: "train/spectral_norm")
        let state = Dictionary(uniqueKeysWithValues: memory.exportState().map { ($0.key, $0.tensor.values) })
        report.compareAll("train/spectral_norm (\(expected.count) u, v)",
                          try fixture.paired(expected, in: "/train/spectral_norm",
                                             absent: "is not a buffer of the network") { state[$0] },
                          relativeToMax: ParityTolerance.forward, globalScale: false)
    } else if configuration.spectralNorm {
        throw HDF5Error(file: file, object: "/train/spectral_norm", "is missing although config.spectral_norm is true")
    }
    return report
}
