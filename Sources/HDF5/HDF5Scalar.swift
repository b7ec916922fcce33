/// A Swift number type that HDF5 datasets and attributes hold element for element.
public protocol HDF5Scalar: Sendable {
    /// The dataset element type that reads into and writes from this Swift type without conversion.
    static var hdf5ElementType: HDF5ElementType { get }
}

extension Float: HDF5Scalar {
    public static var hdf5ElementType: HDF5ElementType { .float32 }
}

extension Double: HDF5Scalar {
    public static var hdf5ElementType: HDF5ElementType { .float64 }
}

extension Int8: HDF5Scalar {
    public static var hdf5ElementType: HDF5ElementType { .int8 }
}

extension Int16: HDF5Scalar {
    public static var hdf5ElementType: HDF5ElementType { .int16 }
}

extension Int32: HDF5Scalar {
    public static var hdf5ElementType: HDF5ElementType { .int32 }
}

extension Int64: HDF5Scalar {
    public static var hdf5ElementType: HDF5ElementType { .int64 }
}

extension UInt8: HDF5Scalar {
    public static var hdf5ElementType: HDF5ElementType { .uint8 }
}

extension UInt16: HDF5Scalar {
    public static var hdf5ElementType: HDF5ElementType { .uint16 }
}

extension UInt32: HDF5Scalar {
    public static var hdf5ElementType: HDF5ElementType { .uint32 }
}

extension UInt64: HDF5Scalar {
    public static var hdf5ElementType: HDF5ElementType { .uint64 }
}
