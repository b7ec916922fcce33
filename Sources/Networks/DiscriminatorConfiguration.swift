/// SPARNetHD's multi-scale discriminator: the reference constructor's arguments
/// (`MultiScaleDiscriminator(input_ch, base_ch, n_layers, norm_type, relu_type, num_D)`, each
/// scale an `NLayerDiscriminator` with `max_ch` 512), the input size it sees, and spectral
/// normalization on every conv (what SPARNetHD applies).
public struct DiscriminatorConfiguration: Hashable, Sendable, Codable {
    /// Channels of the images (`input_ch`).
    public var inputChannels = 3
    /// Height and width of the full-resolution input (the generator's output size).
    public var inputHeight = 512
    public var inputWidth = 512
    /// Number of scales, each with its own discriminator (`num_D`).
    public var scaleCount = 3
    /// Stride-2 layers of each discriminator (`n_layers`, the `NLayerDiscriminator`'s `depth`).
    public var layerCount = 4
    /// Channels of the first layer (`base_ch`), doubled by every stride-2 layer up to `maxChannels`.
    public var baseChannels = 64
    /// Channel cap (`max_ch`, fixed at 512 by `MultiScaleDiscriminator`).
    public var maxChannels = 512
    /// Norm of the stride-2 layers (`norm_type`; the first layer and the score conv have none).
    public var norm = NormKind.instance
    /// Activation of every layer but the score conv (`relu_type`).
    public var activation = ActivationKind.leakyrelu
    public var spectralNorm = true

    public init() {}

    /// SPARNetHD's discriminator (train.sh: `--Dnorm in --num_D 3 --n_layers_D 4`) on 512×512
    /// faces, spectral norm on every conv.
    public static let sparnetHD = DiscriminatorConfiguration()

    /// A small discriminator for tests and the quick start: 64×64, 8–32 channels, two layers.
    public static let tiny: DiscriminatorConfiguration = {
        var c = DiscriminatorConfiguration()
        c.inputHeight = 64
        c.inputWidth = 64
        c.layerCount = 2
        c.baseChannels = 8
        return c
    }()

    /// Named presets, as configuration files refer to them.
    public static let presets: [String: DiscriminatorConfiguration] = ["sparnetHD": sparnetHD, "tiny": tiny]

    /// Output channels of `model.0` … `model.<layerCount>`: base, then min(base·2^(i+1), max).
    public var layerChannels: [Int] {
        var channels = [baseChannels], c = baseChannels
        for _ in 0..<max(layerCount, 0) {
            c = min(c * 2, maxChannels)
            channels.append(c)
        }
        return channels
    }

    /// The (height, width) each scale's discriminator sees: the input halved (⌊·/2⌋) k times.
    public var scaleSizes: [(height: Int, width: Int)] {
        var sizes: [(Int, Int)] = [], size = (inputHeight, inputWidth)
        for _ in 0..<max(scaleCount, 0) {
            sizes.append(size)
            size = (size.0 / 2, size.1 / 2)
        }
        return sizes
    }

    /// The map size after `model.0` … `model.<layerCount>` on an input of `size`: each
    /// stride-2 layer takes ⌈size/2⌉ (3×3, reflection padding 1).
    static func featureSize(_ size: Int, layers: Int) -> Int {
        var s = size
        for _ in 0..<max(layers, 0) { s = (s + 1) / 2 }
        return s
    }

    /// Rejects architectures the reference cannot run, naming the argument at fault.
    public func validate() throws {
        func fail(_ argument: String, _ message: String) -> ArchitectureError {
            ArchitectureError(argument: argument, message: message)
        }
        guard inputChannels > 0 else { throw fail("input_channels", "must be positive, got \(inputChannels)") }
        guard scaleCount > 0 else { throw fail("scale_count", "num_D must be at least 1, got \(scaleCount)") }
        // With n_layers 0 the reference's `score_out = ConvLayer(cout, 1)` reads `cout`, which
        // only the loop over layers defines.
        guard layerCount > 0 else { throw fail("layer_count", "n_layers must be at least 1, got \(layerCount)") }
        guard baseChannels > 0 else { throw fail("base_channels", "must be positive, got \(baseChannels)") }
        // model.1 expects min(base, max) channels from model.0's base.
        guard maxChannels >= baseChannels else {
            throw fail("max_channels", "\(maxChannels) is below base_channels \(baseChannels); model.1 would expect \(maxChannels) channels from model.0's \(baseChannels)")
        }
        for (argument, size) in [("input_height", inputHeight), ("input_width", inputWidth)] where size < 3 {
            throw fail(argument, "must be at least 3, got \(size)")
        }
        // Every padded conv needs a map of at least 2 (reflection padding 1) and the unpadded
        // 3×3 score conv one of at least 3; the maps only shrink, so the last one decides.
        for (k, size) in scaleSizes.enumerated() {
            for (dimension, extent) in [("height", size.height), ("width", size.width)] {
                let last = Self.featureSize(extent, layers: layerCount)
                guard last >= 3 else {
                    let argument = k == 0 ? "layer_count" : "scale_count"
                    throw fail(argument, "scale \(k) sees a \(dimension) of \(extent), which \(layerCount) stride-2 layers reduce to \(last), below the 3 the unpadded 3×3 score conv needs; use fewer \(k == 0 ? "layers" : "scales (at most \(k))") or a larger input")
                }
            }
        }
    }
}
