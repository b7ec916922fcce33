import Kernels
import Tensors

/// The SPARNet generator (paper §3; released code models/sparnet.py): an encoder of a conv and
/// `down` Face Attention Units that halve the resolution, `res_depth + 3 − down` units at the
/// smallest size, `up` units that double it, and an output conv to RGB with no activation.
/// Keys: `encoder.0.*`, `encoder.<i>.*`, `res_layers.<i>.*`, `decoder.<i>.*`, `out_conv.*`.
public final class SPARNet: Network {
    public let configuration: SPARNetConfiguration
    public let batch: Int
    /// Every layer in forward order.
    public let layers: [any Layer]
    public let parameterStarts: [Int]
    public let memory: NetworkMemory
    /// The network input (N, 3, input, input) in [−1, 1].
    public let input: FeatureMap
    /// The super-resolved output (N, 3, output, output).
    public let output: FeatureMap
    /// The sigmoid attention map of each Face Attention Unit that has one, by block key
    /// (`encoder.1`, `res_layers.0`, …); exposed, so readable after any forward.
    public let attentionMaps: [(block: String, map: FeatureMap)]
    /// The output of every top-level block (`encoder.0` … `out_conv`), by key; readable
    /// after a forward only with gradients (inference memory reuses theirs).
    public let blockOutputs: [(block: String, map: FeatureMap)]

    /// Builds the network for `batch` images and initializes it as the reference does
    /// (conv weights N(0, 0.02), biases 0, BatchNorm weights N(1, 0.02)) from `seed`.
    /// `trainable: false` allocates no gradients (inference only), and activations then
    /// share memory as `activationMemory` says. The input's and output's gradients are
    /// exposed (a loss writes the output's), the attention maps' values too.
    /// `convolution`: the algorithms its convs may choose among.
    public init(_ configuration: SPARNetConfiguration, batch: Int, seed: UInt64 = 0, trainable: Bool = true,
                gradientMemory: GradientMemory = .byLifetime, activationMemory: ActivationMemory = .byLifetime,
                convolution: ConvolutionOptions = .default) throws {
        try configuration.validate()
        self.configuration = configuration
        self.batch = batch
        let builder = NetworkBuilder(batch: batch, convolution: convolution)
        (input, output, attentionMaps, blockOutputs) = Self.build(configuration, in: builder)
        layers = builder.layers
        parameterStarts = builder.parameterStarts
        memory = builder.makeMemory(seed: seed, gradients: trainable, gradientMemory: gradientMemory,
                                    activationMemory: activationMemory)
    }

    /// The `state_dict` of `configuration` (keys, shapes, parameter count) without allocating
    /// the network.
    public static func describe(_ configuration: SPARNetConfiguration, batch: Int = 1) throws -> NetworkDescription {
        try configuration.validate()
        let builder = NetworkBuilder(batch: batch)
        _ = build(configuration, in: builder)
        return NetworkDescription(builder)
    }

    private static func build(_ c: SPARNetConfiguration, in builder: NetworkBuilder)
        -> (input: FeatureMap, output: FeatureMap, maps: [(block: String, map: FeatureMap)],
            blocks: [(block: String, map: FeatureMap)]) {
        let options = BlockOptions(norm: c.norm, activation: c.activation, attention: c.attention,
                                   spectralNorm: c.spectralNorm)
        let input = builder.inputMap(channels: 3, height: c.inputSize, width: c.inputSize)
        var channels = c.clipChannels(c.maxChannels / (c.downSteps + 1))
        var x = input
        var maps: [(block: String, map: FeatureMap)] = []
        var blocks: [(block: String, map: FeatureMap)] = []
        let plan = c.hourglassPlan()
        var planIndex = 0
        func unit(_ name: String, outputChannels: Int, scale: Scale) {
            let before = builder.layers.count
            x = appendFaceAttentionUnit(builder, name, input: x, outputChannels: outputChannels, scale: scale,
                                        hourglassDepth: plan[planIndex].depth, options: options)
            planIndex += 1
            blocks.append((builder.key(name), x))
            if let attention = builder.layers[before...].lazy.compactMap({ $0 as? SpatialAttention }).last {
                maps.append((builder.key(name), attention.map))
                builder.exposeActivation(attention.map)
            }
        }
        builder.scoped("encoder") {
            x = builder.add(ConvLayer(builder, "0", input: x, outputChannels: channels,
                                      spectralNorm: c.spectralNorm)).output
            blocks.append((builder.key("0"), x))
            for i in 0..<c.downSteps {
                unit("\(i + 1)", outputChannels: c.clipChannels(channels * 2), scale: .down)
                channels *= 2
            }
        }
        builder.scoped("res_layers") {
            for i in 0..<(c.residualDepth + 3 - c.downSteps) {
                unit("\(i)", outputChannels: c.clipChannels(channels), scale: .none)
            }
        }
        builder.scoped("decoder") {
            for i in 0..<c.upSteps {
                unit("\(i)", outputChannels: c.clipChannels(channels / 2), scale: .up)
                channels /= 2
            }
        }
        let output = builder.add(ConvLayer(builder, "out_conv", input: x, outputChannels: 3,
                                           spectralNorm: c.spectralNorm)).output
        blocks.append(("out_conv", output))
        builder.exposeGradient(output)
        return (input, output, maps, blocks)
    }

}
