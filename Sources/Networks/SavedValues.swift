/// Values a layer saves in its forward for its backward (batch statistics, a normalized
/// weight), in its network's activation arena; the activation plan places them, so a layer
/// reaches them through `Pass.saved(_:)` by `index`.
public struct SavedValues: Hashable, Sendable {
    /// The values' entry in the network's activation layout.
    public let index: Int
    /// Number of Floats.
    public let count: Int
}
