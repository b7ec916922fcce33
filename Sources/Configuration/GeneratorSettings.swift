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

    /// A `preset` key comes first and restarts from that preset; the other keys are
    /// `SPARNetConfiguration`'s fields under the reference constructor's argument names.
    static var fields: [SettingField<Self>] {
        [.custom("preset", decode: { c, key, s in
             if let name = try c.choice(key, among: presetNames) { s = Self(preset: name)! }
         }, encode: { c, key, s in try c.encode(s.preset, forKey: key) }),
         .value("min_channels", \.architecture.minChannels),
         .value("max_channels", \.architecture.maxChannels),
         .value("input_size", \.architecture.inputSize),
         .value("output_size", \.architecture.outputSize),
         .value("min_feature_size", \.architecture.minFeatureSize),
         .value("residual_depth", \.architecture.residualDepth),
         .choice("norm", \.architecture.norm),
         .choice("activation", \.architecture.activation),
         .choice("attention", \.architecture.attention),
         .value("bottleneck_size", \.architecture.bottleneckSize),
         .optional("attention_units", \.architecture.attentionUnits),
         .value("spectral_norm", \.architecture.spectralNorm)]
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }
    public func encode(to encoder: Encoder) throws { try encodeSettings(to: encoder) }
}
