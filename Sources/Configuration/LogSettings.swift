/// `log:` what rank 0 reports while training.
public struct LogSettings: Codable, Hashable, Sendable, SettingsSection {
    /// A progress line and a metrics record every this many steps (released train.sh `--print_freq 10`).
    public var everySteps = 10
    /// A sample grid (LR, SR, HR) every this many steps; 0 for none (released train.sh `--visual_freq 100`).
    public var imagesEverySteps = 100
    /// Also write TensorBoard event files.
    public var tensorboard = true

    public init() {}

    static var fields: [SettingField<Self>] {
        [.value("every_steps", \.everySteps),
         .value("images_every_steps", \.imagesEverySteps),
         .value("tensorboard", \.tensorboard)]
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }
    public func encode(to encoder: Encoder) throws { try encodeSettings(to: encoder) }
}
