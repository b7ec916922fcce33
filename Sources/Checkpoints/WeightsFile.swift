import DurableFiles
#if canImport(Glibc)
import Glibc
#endif
import HDF5
import Networks
import Tensors

/// Inference weights (DESIGN.md §6): `/weights/<state_dict key>` in PyTorch layout, so
/// `{k: torch.from_numpy(v[()]) for k, v in f["weights"].items()}` loads into the reference
/// model with `load_state_dict`; root attributes `format`, `model`, `config` (JSON).
public enum WeightsFile {
    public static let formatName = "sparnet-dist/weights"

    /// The contents of a weights file.
    public struct Contents {
        public let path: String
        public let model: String
        public let configurationJSON: String
        public let tensors: [String: HostTensor]
    }

    /// Copies network `name` (`generator` or `generator_ema`) of a checkpoint into a weights
    /// file, durably (temporary file, fsync, rename).
    public static func export(_ checkpoint: Checkpoint.Loaded, network name: String, to path: String) throws {
        guard try checkpoint.file.contains(name) else {
            throw HDF5Error(file: checkpoint.path, object: "/\(name)", "missing from the checkpoint")
        }
        let source = try checkpoint.file.group(name)
        let temporary = temporaryPath(for: path)
        do {
            let file = try HDF5File(path: temporary, mode: .create)
            let weights = try file.createGroup("weights")
            for key in try source.memberNames() {
                let dataset = try source.dataset(key)
                switch dataset.elementType {
                case .int64:
                    let values = try dataset.read(Int64.self)
                    try weights.writeDataset(key, values: values.values, shape: values.shape)
                default:
                    let values = try dataset.read(Float.self)
                    try weights.writeDataset(key, values: values.values, shape: values.shape)
                }
            }
            try file.setAttribute("format", to: formatName)
            try file.setAttribute("model", to: checkpoint.model)
            try file.setAttribute("network", to: name)
            try file.setAttribute("config", to: checkpoint.configurationJSON)
            try file.close()
            try durablyRename(temporary, to: path)
        } catch {
            unlinkIfPresent(temporary)
            throw error
        }
    }

    /// Reads a weights file written by `export` (or converted from the authors' `.pth` files
    /// with Tools/convert_weights.py), checking its format.
    public static func load(_ path: String) throws -> Contents {
        let file = try HDF5File(path: path)
        let format = (try? file.stringAttribute("format")) ?? "(none)"
        guard format != Checkpoint.formatName else {
            throw HDF5Error(file: path, "a training checkpoint, not a weights file: export its generator first with `sparnet-dist export --checkpoint \(path) --out weights.h5`")
        }
        guard format == formatName else {
            throw HDF5Error(file: path, "not a weights file (format \(format), expected \(formatName))")
        }
        var tensors: [String: HostTensor] = [:]
        let weights = try file.group("weights")
        for key in try weights.memberNames() {
            let dataset = try weights.dataset(key)
            let array = dataset.elementType == .float32 ? try dataset.read(Float.self) : try dataset.readConverting(to: Float.self)
            tensors[key] = HostTensor(shape: Shape(array.shape), values: array.values)
        }
        return Contents(path: path, model: try file.stringAttribute("model"),
                        configurationJSON: try file.stringAttribute("config"), tensors: tensors)
    }
}

/// Removes `path` if it exists; true when something was removed.
@discardableResult
func unlinkIfPresent(_ path: String) -> Bool {
    unlink(path) == 0
}
