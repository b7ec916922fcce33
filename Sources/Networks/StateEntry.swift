/// One tensor of a network's PyTorch `state_dict`, in the reference's order: a trainable
/// parameter (in the parameter arena) or a buffer (running statistics, spectral-norm vectors,
/// `num_batches_tracked`) in the buffer arena.
public struct StateEntry: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case parameter
        case buffer
    }

    /// How the value is stored in PyTorch; `int64` buffers (`num_batches_tracked`) are held as
    /// Float here (exact below 2²⁴) and written back as int64.
    public enum ElementType: Hashable, Sendable {
        case float32
        case int64
    }

    public let key: String
    public let kind: Kind
    public let elementType: ElementType
}
