/// A tensor held as a Swift array: for loading and saving, never inside a training step.
public struct HostTensor: Hashable, Sendable {
    public var shape: Shape
    public var values: [Float]

    public init(shape: Shape, values: [Float]) {
        precondition(shape.elementCount == values.count,
                     "HostTensor: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
    }
}
