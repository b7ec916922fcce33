/// A configuration the run cannot start with, as one line naming the key at fault, e.g.
/// `Configs/x.yaml: train.betas: must be in [0, 1), got 1.5` or
/// `--set train.batchsize: unknown key (did you mean batch_size?); train allows batch_size, …`.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where the value at fault came from.
    public enum Origin: Hashable, Sendable {
        /// A configuration file, by its path.
        case file(String)
        /// A `--set key=value` override.
        case override
    }

    /// The full key path (`train.betas`, `data.degrade.blur.gaussian.sigma`); empty for the
    /// configuration as a whole (a file that is not YAML, say).
    public var key: String
    /// What is wrong and what is allowed.
    public var message: String
    /// Where the value came from, when known.
    public var origin: Origin?

    public init(key: String, message: String, origin: Origin? = nil) {
        self.key = key
        self.message = message
        self.origin = origin
    }

    public var description: String {
        switch (origin, key.isEmpty) {
        case (.override?, true): "--set: \(message)"
        case (.override?, false): "--set \(key): \(message)"
        case (.file(let path)?, true): "\(path): \(message)"
        case (.file(let path)?, false): "\(path): \(key): \(message)"
        case (nil, true): message
        case (nil, false): "\(key): \(message)"
        }
    }
}
