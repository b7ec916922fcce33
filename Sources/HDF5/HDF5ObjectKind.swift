/// What a path in a file names.
public enum HDF5ObjectKind: Hashable, Sendable, CustomStringConvertible {
    case group
    case dataset
    /// A named (committed) datatype.
    case datatype

    /// "group", "dataset" or "datatype".
    public var description: String {
        switch self {
        case .group: "group"
        case .dataset: "dataset"
        case .datatype: "datatype"
        }
    }
}
