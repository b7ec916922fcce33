import Foundation
import HDF5
import Tensors

/// A golden file opened for reading, with the helpers every kind of verification needs.
public struct ReferenceFixture {
    public let path: String
    public let file: HDF5File
    /// The root `config` attribute parsed from JSON.
    public let config: [String: Any]

    public init(path: String) throws {
        self.path = path
        file = try HDF5File(path: path)
        let text = try file.stringAttribute("config")
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw HDF5Error(file: path, object: "/ attribute \"config\"", "is not a JSON object")
        }
        config = object
    }

    /// The `kind` of the `config` attribute.
    public var kind: String { config["kind"] as? String ?? "unknown" }

    /// The reference constructor's keyword arguments (`config.model`).
    public var model: [String: Any] { arguments("model") }

    /// The keyword arguments of one of the reference's constructors (`config.<section>`).
    public func arguments(_ section: String) -> [String: Any] { config[section] as? [String: Any] ?? [:] }

    /// A float32 dataset's values.
    public func floats(_ path: String) throws -> [Float] { try file.dataset(path).read(Float.self).values }

    /// A float64 dataset's values.
    public func doubles(_ path: String) throws -> [Double] { try file.dataset(path).read(Double.self).values }

    /// A float32 dataset as a host tensor.
    public func tensor(_ path: String) throws -> HostTensor {
        let array = try file.dataset(path).read(Float.self)
        return HostTensor(shape: Shape(array.shape), values: array.values)
    }

    /// Every dataset of a group as host tensors by name; integer datasets
    /// (`num_batches_tracked`) are converted to Float.
    public func tensors(inGroup path: String) throws -> [String: HostTensor] {
        let group = try file.group(path)
        var result: [String: HostTensor] = [:]
        for name in try group.memberNames() {
            let dataset = try group.dataset(name)
            let array = dataset.elementType == .float32
                ? try dataset.read(Float.self) : try dataset.readConverting(to: Float.self)
            result[name] = HostTensor(shape: Shape(array.shape), values: array.values)
        }
        return result
    }

    /// An integer from the model arguments, or an error naming it.
    public func modelInt(_ key: String) throws -> Int { try int(key, in: "model") }

    /// A string from the model arguments, or an error naming it.
    public func modelString(_ key: String) throws -> String { try string(key, in: "model") }

    /// An integer argument `config.<section>.<key>`, or an error naming it.
    public func int(_ key: String, in section: String) throws -> Int {
        guard let value = arguments(section)[key] as? Int else {
            throw HDF5Error(file: path, object: "config.\(section).\(key)", "missing or not an integer")
        }
        return value
    }

    /// A string argument `config.<section>.<key>`, or an error naming it.
    public func string(_ key: String, in section: String) throws -> String {
        guard let value = arguments(section)[key] as? String else {
            throw HDF5Error(file: path, object: "config.\(section).\(key)", "missing or not a string")
        }
        return value
    }

    /// A number from the root `config` (JSON integers included), or an error naming it.
    public func number(_ key: String) throws -> Double {
        guard let value = config[key] as? NSNumber else {
            throw HDF5Error(file: path, object: "config.\(key)", "missing or not a number")
        }
        return value.doubleValue
    }

    /// Each of `expected` (a group's tensors, read from `group`) beside ours, `ours(key)`,
    /// sorted by key; a key we have no tensor for is an error naming it and what it should
    /// be (`absent`, e.g. "is not a parameter of the network").
    func paired(_ expected: [String: HostTensor], in group: String, absent: String,
                ours: (String) -> [Float]?) throws -> [(key: String, actual: [Float], expected: [Float])] {
        try expected.keys.sorted().map { key in
            guard let actual = ours(key) else { throw HDF5Error(file: path, object: "\(group)/\(key)", absent) }
            return (key, actual, expected[key]!.values)
        }
    }
}
