/// The dimensions of a tensor in PyTorch order (NCHW for activations, OIHW for conv weights).
public struct Shape: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// Sizes from the outermost to the innermost dimension.
    public let dimensions: [Int]

    /// Creates a shape; every dimension must be non-negative.
    public init(_ dimensions: [Int]) {
        precondition(dimensions.allSatisfy { $0 >= 0 }, "Shape: negative dimension in \(dimensions)")
        self.dimensions = dimensions
    }

    public init(arrayLiteral dimensions: Int...) { self.init(dimensions) }

    /// Number of dimensions.
    public var rank: Int { dimensions.count }

    /// Number of elements (1 for a scalar shape `[]`).
    public var elementCount: Int { dimensions.reduce(1, *) }

    public subscript(axis: Int) -> Int { dimensions[axis] }

    /// `(2, 3, 4, 4)`, as PyTorch prints sizes.
    public var description: String { "(" + dimensions.map(String.init).joined(separator: ", ") + ")" }
}
