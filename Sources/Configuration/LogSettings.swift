/// `log:` what rank 0 reports while training.
public struct LogSettings: Codable, Hashable, Sendable, SettingsSection {
    /// A progress line and a metrics record every this many steps (released train.sh `--print_freq 10`).
    public var everySteps = 10
    /// A sample grid (LR, SR, HR) every this many steps; 0 for none (released train.sh `--visual_freq 100`).
    public var imagesEverySteps = 100
    /// Also write TensorBoard event files.
    public var tensorboard = true

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case everySteps = "every_steps"
        case imagesEverySteps = "images_every_steps"
        case tensorboard
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }

    init(from decoder: Decoder, over defaults: Self) throws {
        let c = try decoder.settingsContainer(keyedBy: CodingKeys.self)
        self = defaults
        everySteps = try c.value(.everySteps, or: everySteps)
        imagesEverySteps = try c.value(.imagesEverySteps, or: imagesEverySteps)
        tensorboard = try c.value(.tensorboard, or: tensorboard)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(everySteps, forKey: .everySteps)
        try c.encode(imagesEverySteps, forKey: .imagesEverySteps)
        try c.encode(tensorboard, forKey: .tensorboard)
    }
}
