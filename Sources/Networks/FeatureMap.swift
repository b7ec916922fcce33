import Tensors

/// A batch of feature maps of a network: (N, C, H, W), registered at `slot` of the activation
/// layout. Where its value lives in the activation arena (`ActivationPlan`: the layout's slot
/// with gradients, planned by lifetime without) and its gradient in the gradient arena
/// (`GradientPlan`) is found through `index`: reach them through `NetworkMemory.value(_:)` and
/// `gradient(_:)`.
public struct FeatureMap: Hashable, Sendable, CustomStringConvertible {
    public let slot: Slot
    /// The map's entry in its network's activation layout.
    public let index: Int
    public let batch: Int
    public let channels: Int
    public let height: Int
    public let width: Int

    public init(slot: Slot, index: Int, batch: Int, channels: Int, height: Int, width: Int) {
        precondition(slot.count == batch * channels * height * width,
                     "FeatureMap: slot of \(slot.count) for (\(batch), \(channels), \(height), \(width))")
        self.slot = slot
        self.index = index
        self.batch = batch
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// H·W.
    public var plane: Int { height * width }
    /// N·C·H·W.
    public var count: Int { slot.count }
    public var shape: Shape { [batch, channels, height, width] }
    public var description: String { shape.description }
}
