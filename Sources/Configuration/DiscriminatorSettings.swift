import Networks

/// `discriminator:` SPARNetHD's multi-scale discriminator (paper §III-C), a named preset
/// (`DiscriminatorConfiguration.presets`) with any field overridden. The size it sees is the
/// generator's output size, so it is not a setting of its own.
public struct DiscriminatorSettings: Codable, Hashable, Sendable, SettingsSection {
    /// The preset the fields start from: sparnetHD or tiny.
    public var preset: String
    /// Discriminators, one per scale (`num_D`; paper: D1–D3 at 512, 256, 128).
    public var scales: Int
    /// Stride-2 layers of each (`n_layers_D`).
    public var layers: Int
    /// Channels of the first layer (`ndf`).
    public var baseChannels: Int
    /// Channel cap (512 in `MultiScaleDiscriminator`).
    public var maxChannels: Int
    /// Norm of the stride-2 layers (`--Dnorm`; train.sh: in).
    public var norm: NormKind
    public var activation: ActivationKind
    public var spectralNorm: Bool

    /// The preset `name` unchanged, or nil when there is no such preset.
    public init?(preset name: String) {
        guard let d = DiscriminatorConfiguration.presets[name] else { return nil }
        preset = name
        scales = d.scaleCount
        layers = d.layerCount
        baseChannels = d.baseChannels
        maxChannels = d.maxChannels
        norm = d.norm
        activation = d.activation
        spectralNorm = d.spectralNorm
    }

    /// SPARNetHD's (train.sh: `--Dnorm in --num_D 3 --n_layers_D 4`, spectral norm on every conv).
    public init() { self.init(preset: "sparnetHD")! }

    /// Preset names, sorted.
    public static var presetNames: [String] { DiscriminatorConfiguration.presets.keys.sorted() }

    /// The network for images of `imageSize`×`imageSize` (the generator's output).
    public func architecture(imageSize: Int) -> DiscriminatorConfiguration {
        var d = DiscriminatorConfiguration()
        d.inputHeight = imageSize
        d.inputWidth = imageSize
        d.scaleCount = scales
        d.layerCount = layers
        d.baseChannels = baseChannels
        d.maxChannels = maxChannels
        d.norm = norm
        d.activation = activation
        d.spectralNorm = spectralNorm
        return d
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case preset, scales, layers
        case baseChannels = "base_channels"
        case maxChannels = "max_channels"
        case norm, activation
        case spectralNorm = "spectral_norm"
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }

    /// Starts from the preset the section names, else from `defaults`.
    init(from decoder: Decoder, over defaults: Self) throws {
        let c = try decoder.settingsContainer(keyedBy: CodingKeys.self)
        if let preset = try c.choice(.preset, among: Self.presetNames) {
            self.init(preset: preset)!
        } else {
            self = defaults
        }
        scales = try c.value(.scales, or: scales)
        layers = try c.value(.layers, or: layers)
        baseChannels = try c.value(.baseChannels, or: baseChannels)
        maxChannels = try c.value(.maxChannels, or: maxChannels)
        norm = try c.choice(.norm, or: norm)
        activation = try c.choice(.activation, or: activation)
        spectralNorm = try c.value(.spectralNorm, or: spectralNorm)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(preset, forKey: .preset)
        try c.encode(scales, forKey: .scales)
        try c.encode(layers, forKey: .layers)
        try c.encode(baseChannels, forKey: .baseChannels)
        try c.encode(maxChannels, forKey: .maxChannels)
        try c.encode(norm.rawValue, forKey: .norm)
        try c.encode(activation.rawValue, forKey: .activation)
        try c.encode(spectralNorm, forKey: .spectralNorm)
    }
}
