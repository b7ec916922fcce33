/// An HDF5 failure, naming the file and the object (group, dataset or attribute) involved.
public struct HDF5Error: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let object: String?
    public let message: String

    public init(file: String, object: String? = nil, _ message: String) {
        self.file = file
        self.object = object
        self.message = message
    }

    public var description: String {
        object.map { "\(file): \($0): \(message)" } ?? "\(file): \(message)"
    }
}
