/// The SPARNet generator's architecture: the reference constructor's arguments
/// (`SPARNet(min_ch, max_ch, in_size, out_size, min_feat_size, res_depth, relu_type, norm_type,
/// att_name, bottleneck_size)`) plus spectral normalization on every conv (SPARNetHD).
public struct SPARNetConfiguration: Hashable, Sendable, Codable {
    public var minChannels = 32
    public var maxChannels = 128
    public var inputSize = 128
    public var outputSize = 128
    public var minFeatureSize = 16
    public var residualDepth = 10
    public var norm = NormKind.batch
    public var activation = ActivationKind.leakyrelu
    public var attention = AttentionKind.spatial2d
    public var bottleneckSize = 4
    public var spectralNorm = false
    /// How many Face Attention Units keep their attention branch, counted from the output end
    /// (the paper's SPARNet-V_N, §IV-C: "we gradually increase the number of attention branches
    /// from the back-end"); nil: every unit (SPARNet is V16).
    public var attentionUnits: Int? = nil

    public init() {}

    /// The paper's SPARNet: 16×16 faces upsampled to 128×128 in, 128×128 out (×8).
    public static let sparnet = SPARNetConfiguration()

    /// SPARNetHD's generator: 512×512, min_feat 32, InstanceNorm, spectral norm on every conv.
    public static let sparnetHD: SPARNetConfiguration = {
        var c = SPARNetConfiguration()
        c.maxChannels = 512
        c.inputSize = 512
        c.outputSize = 512
        c.minFeatureSize = 32
        c.norm = .instance
        c.spectralNorm = true
        return c
    }()

    /// A small network for tests and the quick start: 32×32, 8–32 channels.
    public static let tiny: SPARNetConfiguration = {
        var c = SPARNetConfiguration()
        c.minChannels = 8
        c.maxChannels = 32
        c.inputSize = 32
        c.outputSize = 32
        c.minFeatureSize = 8
        c.residualDepth = 2
        c.bottleneckSize = 16
        return c
    }()

    /// Named presets, as configuration files refer to them.
    public static let presets: [String: SPARNetConfiguration] = ["sparnet": sparnet, "sparnetHD": sparnetHD, "tiny": tiny]

    /// Encoder down-sampling steps: log2(input / min feature size).
    public var downSteps: Int { log2Exact(inputSize / max(minFeatureSize, 1)) ?? 0 }
    /// Decoder up-sampling steps: log2(output / min feature size).
    public var upSteps: Int { log2Exact(outputSize / max(minFeatureSize, 1)) ?? 0 }
    /// Hourglass depth of the first encoder block: log2(64 / bottleneck), whatever the input size.
    public var firstHourglassDepth: Int { Int((64.0 / Double(bottleneckSize)).log2Floor) }

    func clipChannels(_ c: Int) -> Int { max(minChannels, min(c, maxChannels)) }

    /// Rejects architectures the reference cannot build, naming the argument at fault.
    public func validate() throws {
        func fail(_ argument: String, _ message: String) -> ArchitectureError {
            ArchitectureError(argument: argument, message: message)
        }
        guard minChannels > 0, maxChannels >= minChannels else {
            throw fail("min_channels/max_channels", "need 0 < min_channels ≤ max_channels, got \(minChannels), \(maxChannels)")
        }
        guard minFeatureSize > 1 else { throw fail("min_feature_size", "must be at least 2, got \(minFeatureSize)") }
        for (argument, size) in [("input_size", inputSize), ("output_size", outputSize)] {
            guard size >= minFeatureSize, size % minFeatureSize == 0, log2Exact(size / minFeatureSize) != nil else {
                throw fail(argument, "\(size) is not a power-of-two multiple of min_feature_size \(minFeatureSize)")
            }
        }
        guard residualDepth + 3 - downSteps >= 0 else {
            throw fail("residual_depth", "\(residualDepth) + 3 − \(downSteps) down steps is negative")
        }
        guard bottleneckSize > 0, bottleneckSize <= 64 else {
            throw fail("bottleneck_size", "must be in 1…64, got \(bottleneckSize)")
        }
        let units = unitCount
        if let attentionUnits, !(0...units).contains(attentionUnits) {
            throw fail("attention_units", "must be 0…\(units) (the Face Attention Units of this architecture), got \(attentionUnits)")
        }
        // Every hourglass halves its input `depth` times; the smallest map must stay above
        // 1×1 so the next level's reflection padding is defined (the reference crashes there).
        for block in hourglassPlan() where block.depth > 0 {
            let smallest = block.size >> block.depth
            guard smallest >= 2 else {
                throw fail("bottleneck_size",
                           "\(bottleneckSize) gives an hourglass of depth \(block.depth) on a \(block.size)×\(block.size) map in \(block.name), which would reach \(max(smallest, 1))×\(max(smallest, 1)); use a larger bottleneck_size or input")
            }
        }
    }

    /// The Face Attention Units: down steps, residual units, up steps.
    var unitCount: Int { downSteps + max(residualDepth + 3 - downSteps, 0) + upSteps }

    /// Every Face Attention Unit's name, input map size (the size its hourglass sees) and depth;
    /// depth 0 (no attention branch) for the Baseline and for the units before the last
    /// `attentionUnits`.
    func hourglassPlan() -> [(name: String, size: Int, depth: Int)] {
        var plan: [(String, Int, Int)] = []
        var depth = firstHourglassDepth, size = inputSize
        for i in 0..<downSteps {
            size /= 2
            plan.append(("encoder.\(i + 1)", size, depth))
            depth -= 1
        }
        depth += 1
        for i in 0..<max(residualDepth + 3 - downSteps, 0) { plan.append(("res_layers.\(i)", size, depth)) }
        for i in 0..<upSteps {
            depth += 1
            size *= 2
            plan.append(("decoder.\(i)", size, depth))
        }
        let attended = attention == .none ? 0 : min(attentionUnits ?? plan.count, plan.count)
        for i in 0..<(plan.count - attended) { plan[i].2 = 0 }
        return plan
    }
}

/// An architecture the reference cannot build.
public struct ArchitectureError: Error, CustomStringConvertible {
    public let argument: String
    public let message: String

    public init(argument: String, message: String) {
        self.argument = argument
        self.message = message
    }

    public var description: String { "invalid architecture: \(argument): \(message)" }
}

/// log2(n) when n is a positive power of two.
func log2Exact(_ n: Int) -> Int? {
    n > 0 && n & (n - 1) == 0 ? n.trailingZeroBitCount : nil
}

private extension Double {
    var log2Floor: Double { Double(Int(self).bitWidth - 1 - Int(self).leadingZeroBitCount) }
}
