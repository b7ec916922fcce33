import Networks

/// Everything a training run needs to know, as one value: decoded from a YAML file in
/// `Configs/` plus `--set key=value` overrides, validated before any work starts, printed by
/// rank 0 and stored (as JSON) in every checkpoint. YAML keys are snake_case, as DESIGN §9.
///
/// Every key may be left out: the defaults are the paper's SPARNet (§III-D, §IV-A) on CelebA
/// 128×128, ×8; each default's doc comment cites its source and where the released code differs.
public struct RunConfiguration: Codable, Hashable, Sendable, SettingsSection {
    /// Which network is trained: SPARNet alone, or SPARNetHD's generator with discriminators.
    public var model = ModelKind.sparnet
    public var generator = GeneratorSettings()
    /// SPARNetHD's multi-scale discriminator; nil for SPARNet, which has none.
    public var discriminator: DiscriminatorSettings? = nil
    public var data = DataSettings()
    public var train = TrainingSettings()
    public var distributed = DistributedSettings()
    public var checkpoint = CheckpointSettings()
    public var log = LogSettings()

    public init() {}

    /// The discriminator's architecture, sized for the generator's output, when there is one.
    public var discriminatorArchitecture: DiscriminatorConfiguration? {
        discriminator?.architecture(imageSize: generator.architecture.outputSize)
    }

    static var fields: [SettingField<Self>] {
        [.choice("model", \.model),
         .section("generator", \.generator),
         .optionalSection("discriminator", \.discriminator, base: { DiscriminatorSettings() }),
         .section("data", \.data),
         .section("train", \.train),
         .section("distributed", \.distributed),
         .section("checkpoint", \.checkpoint),
         .section("log", \.log)]
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }
    public func encode(to encoder: Encoder) throws { try encodeSettings(to: encoder) }
}

/// The network a run trains.
public enum ModelKind: String, Hashable, Sendable, CaseIterable, Codable {
    /// The generator alone with a pixel loss (paper §III-A, eq. 1).
    case sparnet
    /// The generator against multi-scale discriminators with pixel, adversarial, feature
    /// matching and perceptual losses (paper §III-C, eq. 12–13).
    case sparnethd
}
