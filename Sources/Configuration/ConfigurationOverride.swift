import Foundation
import Yams

/// One `--set key.path=value` argument: a dotted key path and a value read as YAML, so
/// `train.betas=[0.5, 0.99]` sets a list, `data.degrade={}` a section, `train.max_steps=null`
/// clears an optional value.
struct ConfigurationOverride {
    let path: [String]
    let value: Node

    var key: String { path.joined(separator: ".") }

    init(parsing argument: String) throws {
        guard let equals = argument.firstIndex(of: "=") else {
            throw Self.malformed(argument, "expected key=value, e.g. train.betas=[0.5, 0.99]")
        }
        let key = String(argument[..<equals]).trimmingCharacters(in: .whitespaces)
        let text = String(argument[argument.index(after: equals)...])
        let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let nameCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
        guard !key.isEmpty, path.allSatisfy({ !$0.isEmpty && $0.allSatisfy(nameCharacters.contains) }) else {
            throw Self.malformed(argument, "the key must be dot-separated names, e.g. train.batch_size=32")
        }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ConfigurationError(key: key, message: "no value after \"=\" (write null to clear an optional value)", origin: .override)
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw ConfigurationError(key: key, message: "the value \(text) is not valid YAML (\(firstLine(of: error))); quote it, e.g. \(key)='\(text)'", origin: .override)
        }
        self.path = path
        self.value = node ?? Node("null", Tag(.null))
    }

    /// `root` with the value at the key path, creating sections on the way as needed.
    func applied(to root: Node) throws -> Node {
        try setting(path[...], in: root, above: [])
    }

    private func setting(_ rest: ArraySlice<String>, in node: Node?, above: [String]) throws -> Node {
        guard let name = rest.first else { return value }
        var mapping: Node.Mapping
        switch node {
        case .mapping(let existing)?: mapping = existing
        case nil: mapping = [:]
        case let other? where other.null != nil: mapping = [:]
        default:
            throw ConfigurationError(key: above.joined(separator: "."),
                                     message: "holds a value, not a section, so \(key) cannot be set", origin: .override)
        }
        mapping[name] = try setting(rest.dropFirst(), in: mapping[name], above: above + [name])
        return .mapping(mapping)
    }

    private static func malformed(_ argument: String, _ problem: String) -> ConfigurationError {
        ConfigurationError(key: "", message: "\"\(argument)\": \(problem)", origin: .override)
    }
}

/// The first line of an error's description (Yams' parse errors quote the offending line below).
func firstLine(of error: Error) -> String {
    String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
}
