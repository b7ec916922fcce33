import Tensors

/// Why a set of named tensors does not fit a network: every missing key, unexpected key and
/// shape mismatch at once, as PyTorch's `load_state_dict` reports them.
public struct StateMismatchError: Error, CustomStringConvertible {
    public let missing: [String]
    public let unexpected: [String]
    public let shapeMismatches: [(key: String, expected: Shape, found: Shape)]

    public var description: String {
        var lines = ["state does not match the network:"]
        if !missing.isEmpty { lines.append("  missing keys: " + missing.joined(separator: ", ")) }
        if !unexpected.isEmpty { lines.append("  unexpected keys: " + unexpected.joined(separator: ", ")) }
        for m in shapeMismatches { lines.append("  \(m.key): expected shape \(m.expected), found \(m.found)") }
        return lines.joined(separator: "\n")
    }
}

extension NetworkState {
    /// The layout and arena holding `entry`.
    private func storage(_ entry: StateEntry) -> (Layout.Entry, Arena) {
        entry.kind == .parameter
            ? (parameterLayout[entry.key]!, parameters)
            : (bufferLayout[entry.key]!, buffers)
    }

    /// Shapes of every parameter and buffer, in `state_dict` order.
    public var stateShapes: [(key: String, shape: Shape)] {
        entries.map { ($0.key, storage($0).0.shape) }
    }

    /// Copies every tensor of a `state_dict` into the arenas. Keys must match exactly (a
    /// scalar buffer may come as shape [] or [1]); on any mismatch nothing is loaded.
    public func loadState(_ tensors: [String: HostTensor]) throws {
        var missing: [String] = [], mismatches: [(String, Shape, Shape)] = []
        for entry in entries {
            guard let tensor = tensors[entry.key] else { missing.append(entry.key); continue }
            let expected = storage(entry).0.shape
            if tensor.shape != expected && !(expected.elementCount == 1 && tensor.values.count == 1) {
                mismatches.append((entry.key, expected, tensor.shape))
            }
        }
        let known = Set(entries.map(\.key))
        let unexpected = tensors.keys.filter { !known.contains($0) }.sorted()
        guard missing.isEmpty, unexpected.isEmpty, mismatches.isEmpty else {
            throw StateMismatchError(missing: missing, unexpected: unexpected,
                                     shapeMismatches: mismatches.map { (key: $0.0, expected: $0.1, found: $0.2) })
        }
        for entry in entries {
            let (layoutEntry, arena) = storage(entry)
            arena.copy(tensors[entry.key]!.values, into: layoutEntry.slot)
        }
    }

    /// Every parameter and buffer as host tensors, in `state_dict` order.
    public func exportState() -> [(key: String, elementType: StateEntry.ElementType, tensor: HostTensor)] {
        entries.map { entry in
            let (layoutEntry, arena) = storage(entry)
            return (entry.key, entry.elementType, HostTensor(shape: layoutEntry.shape, values: arena.array(layoutEntry.slot)))
        }
    }

    /// The gradient of every parameter, in `state_dict` order.
    public func exportGradients() -> [(key: String, tensor: HostTensor)] {
        parameterLayout.entries.map { ($0.key, HostTensor(shape: $0.shape, values: parameterGradients.array($0.slot))) }
    }
}

extension NetworkMemory {
    /// `state.loadState(_:)`.
    public func loadState(_ tensors: [String: HostTensor]) throws { try state.loadState(tensors) }
    /// `state.exportState()`.
    public func exportState() -> [(key: String, elementType: StateEntry.ElementType, tensor: HostTensor)] { state.exportState() }
    /// `state.exportGradients()`.
    public func exportGradients() -> [(key: String, tensor: HostTensor)] { state.exportGradients() }
}
