import HDF5
import Networks
import Optimizers
import Tensors

/// Writing and reading a network's `state_dict` inside an HDF5 group: one dataset per key,
/// named verbatim (dots kept), float32 in PyTorch layout, int64 for `num_batches_tracked`.
enum StateFile {
    /// Writes every parameter and buffer of `state` under `group`.
    static func write(_ state: NetworkState, to group: HDF5Group) throws {
        for (key, elementType, tensor) in state.exportState() {
            let shape = tensor.shape.dimensions
            switch elementType {
            case .float32:
                try group.writeDataset(key, values: tensor.values, shape: shape)
            case .int64:
                try group.writeDataset(key, values: tensor.values.map { Int64($0) }, shape: shape)
            }
        }
    }

    /// Reads every dataset of `group` as host tensors by key (integers converted to Float).
    static func read(_ group: HDF5Group) throws -> [String: HostTensor] {
        var tensors: [String: HostTensor] = [:]
        for name in try group.memberNames() {
            let dataset = try group.dataset(name)
            let array = dataset.elementType == .float32
                ? try dataset.read(Float.self) : try dataset.readConverting(to: Float.self)
            tensors[name] = HostTensor(shape: Shape(array.shape), values: array.values)
        }
        return tensors
    }

    /// Writes an optimizer's moments under `group/exp_avg/<key>` and `group/exp_avg_sq/<key>`
    /// (PyTorch's names), and its step count as an attribute.
    static func write(_ optimizer: Adam, layout: Layout, to group: HDF5Group) throws {
        for (name, arena) in [("exp_avg", optimizer.firstMoment), ("exp_avg_sq", optimizer.secondMoment)] {
            let moments = try group.createGroup(name)
            for entry in layout.entries {
                try moments.writeDataset(entry.key, values: arena.array(entry.slot), shape: entry.shape.dimensions)
            }
        }
        try group.setAttribute("step", to: Int64(optimizer.stepCount))
    }

    /// Restores an optimizer written by `write(_:layout:to:)`, checking every key and shape.
    static func read(into optimizer: Adam, layout: Layout, from group: HDF5Group, file: String) throws {
        for (name, arena) in [("exp_avg", optimizer.firstMoment), ("exp_avg_sq", optimizer.secondMoment)] {
            let moments = try group.group(name)
            for entry in layout.entries {
                let dataset = try moments.dataset(entry.key).expect(type: .float32, shape: entry.shape.dimensions)
                try dataset.read(into: arena[entry.slot])
            }
            let extra = Set(try moments.memberNames()).subtracting(layout.keys)
            guard extra.isEmpty else {
                throw HDF5Error(file: file, object: moments.path, "unexpected keys \(extra.sorted().joined(separator: ", "))")
            }
        }
        optimizer.stepCount = Int(try group.int64Attribute("step"))
    }
}
