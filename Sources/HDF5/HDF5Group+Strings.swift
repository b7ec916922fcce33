import CHDF5

extension HDF5Group {
    /// Creates a one-dimensional dataset of `strings` (shape `[strings.count]`), e.g. the
    /// `/names` of an image shard; missing intermediate groups are created. Reads back with
    /// `HDF5Dataset.readStrings()`, h5py (`f[path].asstr()[()]`) and h5dump.
    ///
    /// - Parameter variableLength: false (default) stores fixed-length NULLPAD strings as wide
    ///   as the longest text's UTF-8 bytes (at least 1), as h5py stores a numpy `S` array: compact
    ///   for names of similar length. true stores variable-length strings, as h5py stores Python
    ///   `str` objects. Either way the character set is ASCII when every byte is, else UTF-8.
    /// - Throws: `HDF5Error` naming the file and dataset when a string contains a NUL byte
    ///   (HDF5 strings end at NUL), when something already exists at `path`, or when HDF5 fails;
    ///   a failed write leaves no dataset behind.
    @discardableResult
    public func writeStrings(_ path: String, _ strings: [String], variableLength: Bool = false) throws -> HDF5Dataset {
        let target = childPath(path)
        let encoded = strings.map { Array($0.utf8) }
        if let index = encoded.firstIndex(where: { $0.contains(0) }) {
            throw HDF5Error(file: filePath, object: target, "string \(index) contains a NUL byte, which HDF5 strings cannot hold")
        }
        let width = max(encoded.map(\.count).max() ?? 0, 1)
        let characterSet = encoded.allSatisfy { $0.allSatisfy { $0 < 0x80 } } ? H5T_CSET_ASCII : H5T_CSET_UTF8
        return try withHandle { handle in
            let type = try check(H5Tcopy(sparnet_h5t_c_s1()), "cannot make a string type", object: target)
            defer { H5Tclose(type) }
            try check(H5Tset_size(type, variableLength ? sparnet_h5t_variable() : width), "cannot size the string type", object: target)
            try check(H5Tset_cset(type, characterSet), "cannot set the character set", object: target)
            if !variableLength {
                try check(H5Tset_strpad(type, H5T_STR_NULLPAD), "cannot set string padding", object: target)
            }
            var dimension = hsize_t(strings.count)
            let space = try check(H5Screate_simple(1, &dimension, nil), "cannot make a dataspace of \(strings.count) strings", object: target)
            defer { H5Sclose(space) }
            let linkCreation = try check(H5Pcreate(sparnet_h5p_link_create()), "cannot create a property list", object: target)
            defer { H5Pclose(linkCreation) }
            try check(H5Pset_create_intermediate_group(linkCreation, 1), "cannot set intermediate group creation", object: target)
            let id = try check(H5Dcreate2(handle, path, type, space, linkCreation, sparnet_h5p_default(), sparnet_h5p_default()),
                               "cannot create dataset", object: target)
            let dataset = try HDF5Dataset(opened: id, filePath: filePath, path: target, owner: file)
            let status: herr_t = variableLength
                ? Self.writeVariableLength(encoded, to: id, type: type)
                : Self.writeFixedLength(encoded, width: width, to: id, type: type)
            if status < 0 {
                let error = failure("cannot write \(strings.count) strings", object: target)
                try? dataset.close()
                H5Ldelete(handle, path, sparnet_h5p_default())
                throw error
            }
            return dataset
        }
    }

    /// Writes the strings packed `width` bytes apart, zero-padded.
    private static func writeFixedLength(_ encoded: [[UInt8]], width: Int, to dataset: hid_t, type: hid_t) -> herr_t {
        guard !encoded.isEmpty else { return 0 }
        var bytes = [UInt8](repeating: 0, count: encoded.count * width)
        for (index, string) in encoded.enumerated() {
            bytes.replaceSubrange(index * width ..< index * width + string.count, with: string)
        }
        return bytes.withUnsafeBytes {
            H5Dwrite(dataset, type, sparnet_h5s_all(), sparnet_h5s_all(), sparnet_h5p_default(), $0.baseAddress)
        }
    }

    /// Writes an array of pointers to NUL-terminated copies of the strings.
    private static func writeVariableLength(_ encoded: [[UInt8]], to dataset: hid_t, type: hid_t) -> herr_t {
        guard !encoded.isEmpty else { return 0 }
        let copies = encoded.map { string -> UnsafeMutablePointer<CChar> in
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: string.count + 1)
            for (index, byte) in string.enumerated() { copy[index] = CChar(bitPattern: byte) }
            copy[string.count] = 0
            return copy
        }
        defer { copies.forEach { $0.deallocate() } }
        let pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
        return pointers.withUnsafeBytes {
            H5Dwrite(dataset, type, sparnet_h5s_all(), sparnet_h5s_all(), sparnet_h5p_default(), $0.baseAddress)
        }
    }
}
