/// `checkpoint:` when rank 0 writes a checkpoint (DESIGN §6), and how many it keeps.
public struct CheckpointSettings: Codable, Hashable, Sendable, SettingsSection {
    /// Every this many optimizer steps (released `--save_latest_freq 500`).
    public var everySteps = 500
    /// Also when this many minutes have passed since the last one, if set.
    public var everyMinutes: Double? = nil
    /// The newest checkpoints kept; older ones are deleted after a new one is in place.
    public var keep = 3
    /// Also keep the checkpoint of the best held-out PSNR-Y so far as `best.h5` (needs
    /// `data.validation`).
    public var keepBest = false

    public init() {}

    static var fields: [SettingField<Self>] {
        [.value("every_steps", \.everySteps),
         .optional("every_minutes", \.everyMinutes),
         .value("keep", \.keep),
         .value("keep_best", \.keepBest)]
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }
    public func encode(to encoder: Encoder) throws { try encodeSettings(to: encoder) }
}
