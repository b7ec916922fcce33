/// An event file that cannot be written or read.
public struct TensorBoardError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// An error with a message that names the file.
    public init(_ description: String) { self.description = description }
}
