import Networks

/// `generator:` a named preset (`SPARNetConfiguration.presets`) with any of its fields
/// overridden, e.g. `{preset: sparnetHD, attention: 3d}`. The resolved form lists the preset and
/// every field, so it reads back to the same architecture whatever the preset.
public struct GeneratorSettings: Codable, Hashable, Sendable, SettingsSection {
    /// The preset the fields start from: sparnet, sparnetHD or tiny.
    public var preset: String
    /// The architecture: the preset's, with the file's fields applied.
    public var architecture: SPARNetConfiguration

    /// The preset `name` unchanged, or nil when there is no such preset.
    public init?(preset name: String) {
        guard let architecture = SPARNetConfiguration.presets[name] else { return nil }
        self.preset = name
        self.architecture = architecture
    }

    /// The paper's SPARNet (§IV-A): 128×128 in and out, 32–128 channels, 10 residual FAUs.
    public init() { self.init(preset: "sparnet")! }

    /// Preset names, sorted.
    public static var presetNames: [String] { SPARNetConfiguration.presets.keys.sorted() }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case preset
        case minChannels = "min_channels"
        case maxChannels = "max_channels"
        case inputSize = "input_size"
        case outputSize = "output_size"
        case minFeatureSize = "min_feature_size"
        case residualDepth = "residual_depth"
        case norm, activation, attention
        case bottleneckSize = "bottleneck_size"
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
        var a = architecture
        a.minChannels = try c.value(.minChannels, or: a.minChannels)
        a.maxChannels = try c.value(.maxChannels, or: a.maxChannels)
        a.inputSize = try c.value(.inputSize, or: a.inputSize)
        a.outputSize = try c.value(.outputSize, or: a.outputSize)
        a.minFeatureSize = try c.value(.minFeatureSize, or: a.minFeatureSize)
        a.residualDepth = try c.value(.residualDepth, or: a.residualDepth)
        a.norm = try c.choice(.norm, or: a.norm)
        a.activation = try c.choice(.activation, or: a.activation)
        a.attention = try c.choice(.attention, or: a.attention)
        a.bottleneckSize = try c.value(.bottleneckSize, or: a.bottleneckSize)
        a.spectralNorm = try c.value(.spectralNorm, or: a.spectralNorm)
        architecture = a
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let a = architecture
        try c.encode(preset, forKey: .preset)
        try c.encode(a.minChannels, forKey: .minChannels)
        try c.encode(a.maxChannels, forKey: .maxChannels)
        try c.encode(a.inputSize, forKey: .inputSize)
        try c.encode(a.outputSize, forKey: .outputSize)
        try c.encode(a.minFeatureSize, forKey: .minFeatureSize)
        try c.encode(a.residualDepth, forKey: .residualDepth)
        try c.encode(a.norm.rawValue, forKey: .norm)
        try c.encode(a.activation.rawValue, forKey: .activation)
        try c.encode(a.attention.rawValue, forKey: .attention)
        try c.encode(a.bottleneckSize, forKey: .bottleneckSize)
        try c.encode(a.spectralNorm, forKey: .spectralNorm)
    }
}
