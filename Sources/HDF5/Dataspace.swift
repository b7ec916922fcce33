import CHDF5

/// Conversions between Swift shapes and HDF5 dataspaces.
enum Dataspace {
    /// The shape of a dataspace: `[]` when scalar, `[0]` when null (h5py's `Empty`), nil when
    /// HDF5 fails.
    static func shape(of space: hid_t) -> [Int]? {
        switch H5Sget_simple_extent_type(space) {
        case H5S_SCALAR: return []
        case H5S_NULL: return [0]
        case H5S_SIMPLE:
            let rank = H5Sget_simple_extent_ndims(space)
            guard rank >= 0 else { return nil }
            var dimensions = [hsize_t](repeating: 0, count: Int(rank))
            guard H5Sget_simple_extent_dims(space, &dimensions, nil) >= 0 else { return nil }
            return dimensions.map { Int(clamping: $0) }
        default: return nil
        }
    }

    /// A new dataspace of `shape` (scalar for `[]`); negative on failure. The caller closes it.
    static func create(shape: [Int]) -> hid_t {
        if shape.isEmpty { return H5Screate(H5S_SCALAR) }
        let dimensions = shape.map { hsize_t($0) }
        return H5Screate_simple(Int32(shape.count), dimensions, nil)
    }

    /// The number of elements of `shape`, or nil when a size is negative or the product overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for size in shape {
            guard size >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            if overflow { return nil }
            count = product
        }
        return count
    }
}
