import CHDF5

/// The element type of a dataset or attribute, by meaning rather than byte order: a big-endian
/// float32 is `.float32` too (HDF5 converts the byte order when reading).
public enum HDF5ElementType: Hashable, Sendable, CustomStringConvertible {
    case float32, float64
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    /// A fixed-length or variable-length string.
    case string
    /// Any other type (compound, enum, float16, ...), described for error messages.
    case unsupported(String)

    /// The numpy-style name: "float32", "uint8", "string".
    public var description: String {
        switch self {
        case .float32: "float32"
        case .float64: "float64"
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .uint8: "uint8"
        case .uint16: "uint16"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .string: "string"
        case .unsupported(let name): name
        }
    }

    /// Whether values of this type convert to numbers (every case but strings and unsupported).
    public var isNumeric: Bool {
        switch self {
        case .string, .unsupported: false
        default: true
        }
    }

    /// Classifies an HDF5 datatype.
    init(typeID: hid_t) {
        let size = H5Tget_size(typeID)
        switch H5Tget_class(typeID) {
        case H5T_FLOAT:
            switch size {
            case 4: self = .float32
            case 8: self = .float64
            default: self = .unsupported("float\(size * 8)")
            }
        case H5T_INTEGER:
            let signed = H5Tget_sign(typeID) == H5T_SGN_2
            switch (size, signed) {
            case (1, true): self = .int8
            case (2, true): self = .int16
            case (4, true): self = .int32
            case (8, true): self = .int64
            case (1, false): self = .uint8
            case (2, false): self = .uint16
            case (4, false): self = .uint32
            case (8, false): self = .uint64
            default: self = .unsupported("\(signed ? "int" : "uint")\(size * 8)")
            }
        case H5T_STRING: self = .string
        case H5T_COMPOUND: self = .unsupported("compound")
        case H5T_ENUM: self = .unsupported("enum")
        case H5T_ARRAY: self = .unsupported("array")
        case H5T_VLEN: self = .unsupported("variable-length sequence")
        case H5T_BITFIELD: self = .unsupported("bitfield")
        case H5T_OPAQUE: self = .unsupported("opaque")
        case H5T_REFERENCE: self = .unsupported("reference")
        case H5T_TIME: self = .unsupported("time")
        default: self = .unsupported("unknown type")
        }
    }

    /// The host-order HDF5 type of one element in memory; nil for strings and unsupported types.
    var memoryTypeID: hid_t? {
        switch self {
        case .float32: sparnet_h5t_native_float()
        case .float64: sparnet_h5t_native_double()
        case .int8: sparnet_h5t_native_int8()
        case .int16: sparnet_h5t_native_int16()
        case .int32: sparnet_h5t_native_int32()
        case .int64: sparnet_h5t_native_int64()
        case .uint8: sparnet_h5t_native_uint8()
        case .uint16: sparnet_h5t_native_uint16()
        case .uint32: sparnet_h5t_native_uint32()
        case .uint64: sparnet_h5t_native_uint64()
        case .string, .unsupported: nil
        }
    }

    /// The little-endian HDF5 type written to files; nil for strings and unsupported types.
    var fileTypeID: hid_t? {
        switch self {
        case .float32: sparnet_h5t_ieee_f32le()
        case .float64: sparnet_h5t_ieee_f64le()
        case .int8: sparnet_h5t_std_i8le()
        case .int16: sparnet_h5t_std_i16le()
        case .int32: sparnet_h5t_std_i32le()
        case .int64: sparnet_h5t_std_i64le()
        case .uint8: sparnet_h5t_std_u8le()
        case .uint16: sparnet_h5t_std_u16le()
        case .uint32: sparnet_h5t_std_u32le()
        case .uint64: sparnet_h5t_std_u64le()
        case .string, .unsupported: nil
        }
    }
}
