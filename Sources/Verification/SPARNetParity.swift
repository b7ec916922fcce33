import HDF5
import Kernels
import Networks
import Tensors

extension SPARNetConfiguration {
    /// The configuration of a reference `SPARNet(**kwargs)` call as a golden file records it
    /// in `config.<section>`.
    init(fixture: ReferenceFixture, section: String = "model") throws {
        self.init()
        func int(_ key: String) throws -> Int { try fixture.int(key, in: section) }
        minChannels = try int("min_ch")
        maxChannels = try int("max_ch")
        inputSize = try int("in_size")
        outputSize = try int("out_size")
        minFeatureSize = try int("min_feat_size")
        residualDepth = try int("res_depth")
        bottleneckSize = try int("bottleneck_size")
        let norms: [String: NormKind] = ["bn": .batch, "in": .instance, "none": .none]
        let activations: [String: ActivationKind] = ["leakyrelu": .leakyrelu, "prelu": .prelu, "relu": .relu]
        let attentions: [String: AttentionKind] = ["spar": .spatial2d, "spar3d": .spatial3d]
        func lookup<T>(_ key: String, _ table: [String: T]) throws -> T {
            let value = try fixture.string(key, in: section)
            guard let kind = table[value.lowercased()] else {
                throw HDF5Error(file: fixture.path, object: "config.\(section).\(key)",
                                "\"\(value)\" is not one of \(table.keys.sorted().joined(separator: ", "))")
            }
            return kind
        }
        norm = try lookup("norm_type", norms)
        activation = try lookup("relu_type", activations)
        attention = try lookup("att_name", attentions)
        spectralNorm = fixture.config["spectral_norm"] as? Bool ?? false
    }
}

/// Recomputes a SPARNet generator fixture (`sparnet_A.h5`, …): eval output, train output,
/// L1 loss, every gradient, running statistics, spectral-norm vectors, eval with batch
/// statistics, and the per-block activations and attention maps.
func verifySPARNet(_ fixture: ReferenceFixture, convolution: ConvolutionOptions = .default) throws -> ParityReport {
    var report = ParityReport(file: fixture.path, kind: fixture.kind)
    let configuration = try SPARNetConfiguration(fixture: fixture)
    let input = try fixture.tensor("input")
    let network = try SPARNet(configuration, batch: input.shape[0], convolution: convolution)
    let memory = network.memory
    let weights = try fixture.tensors(inGroup: "weights")
    let file = fixture.path
    func expectShape(_ tensor: HostTensor, _ map: FeatureMap, _ name: String) throws {
        guard tensor.shape == map.shape else {
            throw HDF5Error(file: file, object: name, "has shape \(tensor.shape), the network's is \(map.shape)")
        }
    }
    try expectShape(input, network.input, "/input")
    func setInput() { memory.copy(input.values, into: network.input) }

    // Eval: running statistics and stored u, v, as loaded.
    try memory.loadState(weights)
    setInput()
    network.forward(training: false)
    report.compare("eval/output", Array(memory.values(network.output)), try fixture.floats("eval/output"),
                   relativeToMax: ParityTolerance.forward)

    // Eval with the running statistics replaced by the train batch's.
    if try fixture.file.contains("eval_batchstats") {
        var state = weights
        for (key, tensor) in try fixture.tensors(inGroup: "eval_batchstats/running") { state[key] = tensor }
        try memory.loadState(state)
        setInput()
        network.forward(training: false)
        report.compare("eval_batchstats/output", Array(memory.values(network.output)),
                       try fixture.floats("eval_batchstats/output"), relativeToMax: ParityTolerance.forward)
    }

    // Train: forward, L1 loss against the target, backward.
    try memory.loadState(weights)
    setInput()
    network.forward(training: true)
    let output = Array(memory.values(network.output))
    report.compare("train/output", output, try fixture.floats("train/output"), relativeToMax: ParityTolerance.forward)
    let target = try fixture.tensor("target")
    try expectShape(target, network.output, "/target")
    let loss = target.values.withUnsafeBufferPointer { t in
        l1LossForward(input: memory.value(network.output), target: t.baseAddress!, count: t.count)
    }
    report.compare("train/loss_l1", [Float(loss)], [try fixture.file.dataset("train/loss_l1").readScalar(Float.self)],
                   relativeToMax: ParityTolerance.forward)
    memory.zeroGradients()
    target.values.withUnsafeBufferPointer { t in
        l1LossBackward(input: memory.value(network.output), target: t.baseAddress!, count: t.count,
                       weight: 1, inputGradient: memory.gradient(network.output),
                       targetGradient: nil)
    }
    network.backward()

    let gradients = Dictionary(uniqueKeysWithValues: memory.exportGradients().map { ($0.key, $0.tensor.values) })
    let referenceGradients = try fixture.tensors(inGroup: "train/grads")
    report.compareAll("train/grads (\(referenceGradients.count) tensors)",
                      try fixture.paired(referenceGradients, in: "/train/grads",
                                         absent: "is not a parameter of the network") { gradients[$0] },
                      relativeToMax: ParityTolerance.gradient, globalScale: true)

    let state = Dictionary(uniqueKeysWithValues: memory.exportState().map { ($0.key, $0.tensor.values) })
    for (group, label) in [("train/running", "running statistics"), ("train/spectral_norm", "spectral-norm u, v")]
    where try fixture.file.contains(group) {
        let expected = try fixture.tensors(inGroup: group)
        if expected.isEmpty { continue }
        report.compareAll("\(group) (\(expected.count) \(label))",
                          try fixture.paired(expected, in: "/\(group)",
                                             absent: "is not a buffer of the network") { state[$0] },
                          relativeToMax: ParityTolerance.forward, globalScale: false)
    }

    // Debugging aids of the fixture: block outputs and attention maps of the train forward.
    if try fixture.file.contains("train/activations") {
        let expected = try fixture.tensors(inGroup: "train/activations")
        let blocks = Dictionary(uniqueKeysWithValues: network.blockOutputs.map { ($0.block, $0.map) })
        report.compareAll("train/activations (\(expected.count) blocks)",
                          try fixture.paired(expected, in: "/train/activations",
                                             absent: "names no block of the network") { blocks[$0].map { Array(memory.values($0)) } },
                          relativeToMax: ParityTolerance.forward, globalScale: false)
    }
    if try fixture.file.contains("train/att_maps") {
        let expected = try fixture.tensors(inGroup: "train/att_maps")
        let maps = Dictionary(uniqueKeysWithValues: network.attentionMaps.map { ($0.block + ".att_func", $0.map) })
        report.compareAll("train/att_maps (\(expected.count) maps)",
                          try fixture.paired(expected, in: "/train/att_maps",
                                             absent: "names no attention map of the network") { maps[$0].map { Array(memory.values($0)) } },
                          relativeToMax: ParityTolerance.forward, globalScale: false)
    }
    return report
}
