import Foundation
import Yams

extension RunConfiguration {
    /// Reads the YAML file at `yamlPath` (nil: start from the defaults), applies each
    /// `--set key.path=value` in order, decodes and validates: the configuration a run can start
    /// with, or the first problem as a one-line `ConfigurationError`.
    public static func load(yamlPath: String?, overrides: [String] = []) throws -> RunConfiguration {
        guard let yamlPath else { return try RunConfiguration(yaml: "", overrides: overrides) }
        let text: String
        do { text = try String(contentsOfFile: yamlPath, encoding: .utf8) } catch {
            var isDirectory: ObjCBool = false
            let reason = !FileManager.default.fileExists(atPath: yamlPath, isDirectory: &isDirectory) ? "no such file"
                : isDirectory.boolValue ? "a directory" : !FileManager.default.isReadableFile(atPath: yamlPath) ? "permission denied"
                : "not UTF-8 text"
            throw ConfigurationError(key: "", message: "cannot read the configuration file (\(reason))", origin: .file(yamlPath))
        }
        // A file with nothing but comments or whitespace is more likely a mistake (the wrong file,
        // one truncated) than a request for every default; no --config says that.
        let holdsNothing = try? Yams.compose(yaml: text).map { $0.null != nil } ?? true   // nil: not YAML, said below
        if holdsNothing == true {
            throw ConfigurationError(key: "", message: "the configuration file is empty (no key is set); give a configuration such as Configs/quickstart.yaml",
                                     origin: .file(yamlPath))
        }
        return try RunConfiguration(yaml: text, overrides: overrides, file: yamlPath)
    }

    /// Decodes YAML text (JSON too, as `resolvedJSON()` writes it) with `--set` overrides
    /// applied, then validates. `file` names the source in errors.
    public init(yaml: String, overrides: [String] = [], file: String? = nil) throws {
        let parsed = try overrides.map(ConfigurationOverride.init(parsing:))
        do {
            var root: Node
            do { root = try Yams.compose(yaml: yaml) ?? [:] } catch {
                throw ConfigurationError(key: "", message: "not valid YAML: \(firstLine(of: error))")
            }
            if root.null != nil { root = [:] }
            try Self.rejectComplexKeys(in: root, above: [])
            for override in parsed { root = try override.applied(to: root) }
            do {
                self = try YAMLDecoder().decode(RunConfiguration.self, from: root)
            } catch let error as DecodingError {
                throw ConfigurationError(decodingError: error)
            }
            try validate()
        } catch var error as ConfigurationError {
            if error.origin == nil {
                let fromOverride = parsed.contains { error.key == $0.key || error.key.hasPrefix($0.key + ".") || $0.key.hasPrefix(error.key + ".") }
                error.origin = fromOverride ? .override : file.map { .file($0) }
            }
            throw error
        }
    }

    /// The configuration as YAML with every key, in the order of DESIGN §9: what rank 0 prints.
    /// `RunConfiguration(yaml:)` reads it back to an equal value.
    public func resolvedYAML() throws -> String {
        let encoder = YAMLEncoder()
        encoder.options = YAMLEncoder.Options(sequenceStyle: .flow)
        return try encoder.encode(self)
    }

    /// The configuration as one line of JSON with sorted keys: what checkpoints and exported
    /// weights store. `RunConfiguration(yaml:)` reads it back to an equal value.
    public func resolvedJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Yams rejects duplicate keys itself, but skips a key that is not a scalar (`? [a, b]: 1`)
    /// without a word; such a key is never a setting.
    private static func rejectComplexKeys(in node: Node, above: [String]) throws {
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                guard let name = key.scalar?.string else {
                    throw ConfigurationError(key: above.joined(separator: "."), message: "keys must be plain names, found a \(key.mapping != nil ? "mapping" : "list") used as a key")
                }
                try rejectComplexKeys(in: value, above: above + [name])
            }
        case .sequence(let sequence):
            for element in sequence { try rejectComplexKeys(in: element, above: above) }
        case .scalar, .alias:
            break
        }
    }
}

extension ConfigurationError {
    /// A decoding failure the settings did not turn into a message themselves.
    init(decodingError: DecodingError) {
        switch decodingError {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            self.init(key: keyPath(context.codingPath), message: context.debugDescription)
        case .keyNotFound(let key, let context):
            self.init(key: keyPath(context.codingPath, key), message: "missing")
        @unknown default:
            self.init(key: "", message: firstLine(of: decodingError))
        }
    }
}
