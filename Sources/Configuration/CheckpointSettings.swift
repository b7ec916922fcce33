/// `checkpoint:` when rank 0 writes a checkpoint (DESIGN §6), and how many it keeps.
public struct CheckpointSettings: Codable, Hashable, Sendable, SettingsSection {
    /// Every this many optimizer steps (released `--save_latest_freq 500`).
    public var everySteps = 500
    /// Also when this many minutes have passed since the last one, if set.
    public var everyMinutes: Double? = nil
    /// The newest checkpoints kept; older ones are deleted after a new one is in place.
    public var keep = 3

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case everySteps = "every_steps"
        case everyMinutes = "every_minutes"
        case keep
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }

    init(from decoder: Decoder, over defaults: Self) throws {
        let c = try decoder.settingsContainer(keyedBy: CodingKeys.self)
        self = defaults
        everySteps = try c.value(.everySteps, or: everySteps)
        everyMinutes = try c.optionalValue(.everyMinutes, or: everyMinutes)
        keep = try c.value(.keep, or: keep)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(everySteps, forKey: .everySteps)
        try c.encodeNumber(everyMinutes, forKey: .everyMinutes)
        try c.encode(keep, forKey: .keep)
    }
}
