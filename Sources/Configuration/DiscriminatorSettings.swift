import Networks

/// `discriminator:` SPARNetHD's multi-scale discriminator (paper §III-C), a named preset
/// (`DiscriminatorConfiguration.presets`) with any field overridden. The size it sees is the
/// generator's output size, so it is not a setting of its own.
public struct DiscriminatorSettings: Codable, Hashable, Sendable, SettingsSection {
    /// The preset the fields start from: sparnetHD or tiny.
    public var preset: String
    /// The preset's architecture with the file's fields applied; its input size is the preset's
    /// until `architecture(imageSize:)` sets the generator's.
    public var architecture: DiscriminatorConfiguration

    /// The preset `name` unchanged, or nil when there is no such preset.
    public init?(preset name: String) {
        guard let architecture = DiscriminatorConfiguration.presets[name] else { return nil }
        self.preset = name
        self.architecture = architecture
    }

    /// SPARNetHD's (train.sh: `--Dnorm in --num_D 3 --n_layers_D 4`, spectral norm on every conv).
    public init() { self.init(preset: "sparnetHD")! }

    /// Preset names, sorted.
    public static var presetNames: [String] { DiscriminatorConfiguration.presets.keys.sorted() }

    /// The network for images of `imageSize`×`imageSize` (the generator's output).
    public func architecture(imageSize: Int) -> DiscriminatorConfiguration {
        var d = architecture
        d.inputHeight = imageSize
        d.inputWidth = imageSize
        return d
    }

    /// A `preset` key comes first and restarts from that preset; the other keys are
    /// `DiscriminatorConfiguration`'s fields under the released options' names.
    static var fields: [SettingField<Self>] {
        [.custom("preset", decode: { c, key, s in
             if let name = try c.choice(key, among: presetNames) { s = Self(preset: name)! }
         }, encode: { c, key, s in try c.encode(s.preset, forKey: key) }),
         .value("scales", \.architecture.scaleCount),
         .value("layers", \.architecture.layerCount),
         .value("base_channels", \.architecture.baseChannels),
         .value("max_channels", \.architecture.maxChannels),
         .choice("norm", \.architecture.norm),
         .choice("activation", \.architecture.activation),
         .value("spectral_norm", \.architecture.spectralNorm)]
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }
    public func encode(to encoder: Encoder) throws { try encodeSettings(to: encoder) }
}
