/// A whole dataset's values in C (row-major) order, with its shape.
public struct HDF5Array<Element: HDF5Scalar>: Sendable {
    /// Sizes from the outermost to the innermost dimension; `[]` for a scalar dataset.
    public var shape: [Int]
    /// `shape.reduce(1, *)` values, the last dimension varying fastest.
    public var values: [Element]

    /// Pairs values with their shape; `values.count` must equal the product of `shape`.
    public init(shape: [Int], values: [Element]) {
        self.shape = shape
        self.values = values
    }
}

extension HDF5Array: Equatable where Element: Equatable {}
