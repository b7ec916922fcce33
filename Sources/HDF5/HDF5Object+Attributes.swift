import CHDF5

/// Attributes of files (the root group), groups and datasets.
///
/// Strings are written as h5py writes `numpy.bytes_`: fixed-length, NULLPAD, ASCII (UTF-8 when
/// the text is not ASCII), one scalar; variable-length on request. Reading accepts fixed-length
/// strings of any padding and variable-length strings. Numbers are scalar Int64 or Double attributes.
extension HDF5Object {
    /// The names of this object's attributes, sorted by name in byte order.
    public func attributeNames() throws -> [String] {
        try withHandle { handle in
            var names: [String] = []
            let collect: H5A_operator2_t = { _, name, _, names in
                guard let name, let names else { return -1 }
                names.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                return 0
            }
            let status = withUnsafeMutablePointer(to: &names) {
                H5Aiterate2(handle, H5_INDEX_NAME, H5_ITER_INC, nil, collect, UnsafeMutableRawPointer($0))
            }
            try check(status, "cannot list attributes")
            return names
        }
    }

    /// Whether this object has an attribute called `name`.
    public func hasAttribute(_ name: String) throws -> Bool {
        try withHandle { handle in
            let exists = H5Aexists(handle, name)
            if exists < 0 { throw failure("cannot look up attribute", object: attributeLabel(name)) }
            return exists > 0
        }
    }

    /// The element type of attribute `name`.
    public func attributeType(_ name: String) throws -> HDF5ElementType {
        try withAttribute(name) { attribute in
            let type = try check(H5Aget_type(attribute), "cannot read the datatype", object: attributeLabel(name))
            defer { H5Tclose(type) }
            return HDF5ElementType(typeID: type)
        }
    }

    /// The string attribute `name` (one fixed-length or variable-length string); throws if it
    /// is missing, not a string, or holds several strings.
    public func stringAttribute(_ name: String) throws -> String {
        let label = attributeLabel(name)
        return try withAttribute(name) { attribute in
            let type = try check(H5Aget_type(attribute), "cannot read the datatype", object: label)
            defer { H5Tclose(type) }
            let elementType = HDF5ElementType(typeID: type)
            guard elementType == .string else {
                throw HDF5Error(file: filePath, object: label, "holds \(elementType), not a string")
            }
            let space = try check(H5Aget_space(attribute), "cannot read the dataspace", object: label)
            defer { H5Sclose(space) }
            try requireSingleElement(space: space, label: label)
            let strings = StringElements.read(fileType: type, space: space, count: 1) { memoryType, buffer in
                H5Aread(attribute, memoryType, buffer)
            }
            guard let string = strings?.first else { throw failure("cannot read the string", object: label) }
            return string
        }
    }

    /// The integer attribute `name` (any integer type, one value) as Int64.
    public func int64Attribute(_ name: String) throws -> Int64 {
        try numericAttribute(name, as: Int64.self) { type in
            switch type {
            case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64: true
            default: false
            }
        }
    }

    /// The numeric attribute `name` (any integer or floating-point type, one value) as Double.
    public func doubleAttribute(_ name: String) throws -> Double {
        try numericAttribute(name, as: Double.self) { $0.isNumeric }
    }

    /// Sets attribute `name` to the string `value`, replacing any attribute of that name.
    ///
    /// - Parameter variableLength: false (default) writes a fixed-length NULLPAD string of
    ///   exactly the text's bytes, as h5py writes `numpy.bytes_` (the fixtures' convention);
    ///   true writes a variable-length string, as h5py writes a Python `str`.
    public func setAttribute(_ name: String, to value: String, variableLength: Bool = false) throws {
        let bytes = Array(value.utf8)
        let label = attributeLabel(name)
        try withHandle { handle in
            let type = try check(H5Tcopy(sparnet_h5t_c_s1()), "cannot make a string type", object: label)
            defer { H5Tclose(type) }
            let size = variableLength ? sparnet_h5t_variable() : max(bytes.count, 1)
            try check(H5Tset_size(type, size), "cannot size the string type", object: label)
            let characterSet = bytes.allSatisfy { $0 < 0x80 } ? H5T_CSET_ASCII : H5T_CSET_UTF8
            try check(H5Tset_cset(type, characterSet), "cannot set the character set", object: label)
            if variableLength {
                try value.withCString { characters in
                    try withUnsafePointer(to: characters) { pointer in
                        try writeAttribute(name, type: type, handle: handle, label: label, value: pointer)
                    }
                }
            } else {
                try check(H5Tset_strpad(type, H5T_STR_NULLPAD), "cannot set string padding", object: label)
                let padded = bytes.isEmpty ? [UInt8(0)] : bytes
                try padded.withUnsafeBytes { buffer in
                    try writeAttribute(name, type: type, handle: handle, label: label, value: buffer.baseAddress!)
                }
            }
        }
    }

    /// Sets attribute `name` to the scalar int64 `value`, replacing any attribute of that name.
    public func setAttribute(_ name: String, to value: Int64) throws {
        try withHandle { handle in
            try withUnsafeBytes(of: value) { buffer in
                try writeAttribute(name, type: sparnet_h5t_std_i64le(), handle: handle, label: attributeLabel(name),
                                   value: buffer.baseAddress!, memoryType: sparnet_h5t_native_int64())
            }
        }
    }

    /// Sets attribute `name` to the scalar int64 `value`, replacing any attribute of that name.
    public func setAttribute(_ name: String, to value: Int) throws {
        try setAttribute(name, to: Int64(value))
    }

    /// Sets attribute `name` to the scalar float64 `value`, replacing any attribute of that name.
    public func setAttribute(_ name: String, to value: Double) throws {
        try withHandle { handle in
            try withUnsafeBytes(of: value) { buffer in
                try writeAttribute(name, type: sparnet_h5t_ieee_f64le(), handle: handle, label: attributeLabel(name),
                                   value: buffer.baseAddress!, memoryType: sparnet_h5t_native_double())
            }
        }
    }

    /// Runs `body` with attribute `name` open; throws a clear error if it is missing.
    private func withAttribute<Result>(_ name: String, _ body: (hid_t) throws -> Result) throws -> Result {
        let label = attributeLabel(name)
        return try withHandle { handle in
            let exists = H5Aexists(handle, name)
            if exists < 0 { throw failure("cannot look up attribute", object: label) }
            if exists == 0 { throw HDF5Error(file: filePath, object: label, "no such attribute") }
            let attribute = try check(H5Aopen(handle, name, sparnet_h5p_default()), "cannot open attribute", object: label)
            defer { H5Aclose(attribute) }
            return try body(attribute)
        }
    }

    private func requireSingleElement(space: hid_t, label: String) throws {
        let count = H5Sget_simple_extent_npoints(space)
        guard count == 1 else {
            throw HDF5Error(file: filePath, object: label, "holds \(max(count, 0)) values, expected one")
        }
    }

    private func numericAttribute<Value: HDF5Scalar>(_ name: String, as: Value.Type,
                                                     accepts: (HDF5ElementType) -> Bool) throws -> Value {
        let label = attributeLabel(name)
        return try withAttribute(name) { attribute in
            let type = try check(H5Aget_type(attribute), "cannot read the datatype", object: label)
            defer { H5Tclose(type) }
            let elementType = HDF5ElementType(typeID: type)
            guard accepts(elementType) else {
                throw HDF5Error(file: filePath, object: label, "holds \(elementType), not \(Value.hdf5ElementType)")
            }
            let space = try check(H5Aget_space(attribute), "cannot read the dataspace", object: label)
            defer { H5Sclose(space) }
            try requireSingleElement(space: space, label: label)
            return try withUnsafeTemporaryAllocation(of: Value.self, capacity: 1) { buffer in
                try check(H5Aread(attribute, Value.hdf5ElementType.memoryTypeID!, buffer.baseAddress!),
                          "cannot read the value", object: label)
                return buffer.baseAddress!.pointee
            }
        }
    }

    /// Creates (replacing) a scalar attribute of file type `type` and writes `value`, which has
    /// `memoryType` (default: the file type).
    private func writeAttribute(_ name: String, type: hid_t, handle: hid_t, label: String,
                                value: UnsafeRawPointer, memoryType: hid_t? = nil) throws {
        let exists = H5Aexists(handle, name)
        if exists < 0 { throw failure("cannot look up attribute", object: label) }
        if exists > 0 {
            try check(H5Adelete(handle, name), "cannot replace attribute", object: label)
        }
        let space = try check(H5Screate(H5S_SCALAR), "cannot make a scalar dataspace", object: label)
        defer { H5Sclose(space) }
        let attribute = try check(H5Acreate2(handle, name, type, space, sparnet_h5p_default(), sparnet_h5p_default()),
                                  "cannot create attribute", object: label)
        defer { H5Aclose(attribute) }
        try check(H5Awrite(attribute, memoryType ?? type, value), "cannot write attribute", object: label)
    }
}
