import CHDF5

/// Reads the string elements of a dataset or attribute, fixed-length or variable-length.
enum StringElements {
    /// `count` strings stored with HDF5 string type `fileType` in dataspace `space`, read by
    /// `read(memoryType, buffer)` (`H5Dread` or `H5Aread`); nil when HDF5 fails (its error stack
    /// then says why). Fixed-length strings end at their first NUL (NULLTERM, NULLPAD) or lose
    /// their trailing spaces (SPACEPAD); bytes decode as UTF-8, which covers ASCII.
    static func read(fileType: hid_t, space: hid_t, count: Int,
                     using read: (hid_t, UnsafeMutableRawPointer) -> herr_t) -> [String]? {
        guard count > 0 else { return [] }
        let variable = H5Tis_variable_str(fileType)
        guard variable >= 0 else { return nil }
        let memoryType = H5Tcopy(variable > 0 ? sparnet_h5t_c_s1() : fileType)
        guard memoryType >= 0 else { return nil }
        defer { H5Tclose(memoryType) }

        if variable > 0 {
            guard H5Tset_size(memoryType, sparnet_h5t_variable()) >= 0,
                  H5Tset_cset(memoryType, H5Tget_cset(fileType)) >= 0 else { return nil }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            let status = pointers.withUnsafeMutableBytes { read(memoryType, $0.baseAddress!) }
            guard status >= 0 else { return nil }
            let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
            _ = pointers.withUnsafeMutableBytes {
                H5Dvlen_reclaim(memoryType, space, sparnet_h5p_default(), $0.baseAddress!)
            }
            return strings
        }

        let size = H5Tget_size(memoryType)
        guard size > 0 else { return nil }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow else { return nil }
        var bytes = [UInt8](repeating: 0, count: byteCount)
        guard bytes.withUnsafeMutableBytes({ read(memoryType, $0.baseAddress!) }) >= 0 else { return nil }
        let spacePadded = H5Tget_strpad(fileType) == H5T_STR_SPACEPAD
        return (0..<count).map { index in
            var element = bytes[index * size ..< (index + 1) * size]
            if let end = element.firstIndex(of: 0) { element = element[..<end] }
            if spacePadded { while element.last == 0x20 { element = element.dropLast() } }
            return String(decoding: element, as: UTF8.self)
        }
    }
}
