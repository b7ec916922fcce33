import CHDF5

/// An open HDF5 dataset of any rank: its shape and element type, strict typed reads of the
/// whole dataset or of a hyperslab, and writes.
///
/// Reads are strict about the element type: reading a uint8 dataset as `Float` throws (naming
/// the file, the dataset and both types) unless `readConverting(to:)` asks for the conversion.
public final class HDF5Dataset: HDF5Object, @unchecked Sendable {
    /// Sizes from the outermost to the innermost dimension; `[]` for a scalar dataset.
    public let shape: [Int]
    /// The stored element type.
    public let elementType: HDF5ElementType
    /// The chunk shape, or nil for contiguous (or compact) storage.
    public let chunkShape: [Int]?
    /// The number of elements, the product of `shape` (1 for a scalar).
    public let elementCount: Int

    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// Wraps a dataset identifier just opened or created, reading its fixed properties; closes
    /// the identifier and throws if HDF5 cannot describe it.
    init(opened id: hid_t, filePath: String, path: String, owner: HDF5File?) throws {
        guard let metadata = Self.metadata(of: id) else {
            let detail = HDF5Library.innermostErrorMessage().map { " [HDF5: \($0)]" } ?? ""
            H5Dclose(id)
            throw HDF5Error(file: filePath, object: path, "cannot read the dataset's shape and type" + detail)
        }
        guard let count = Dataspace.elementCount(metadata.shape) else {
            H5Dclose(id)
            throw HDF5Error(file: filePath, object: path, "shape \(metadata.shape) has too many elements")
        }
        shape = metadata.shape
        elementType = metadata.elementType
        chunkShape = metadata.chunkShape
        elementCount = count
        super.init(handle: id, filePath: filePath, path: path, owner: owner, close: H5Dclose)
    }

    private static func metadata(of id: hid_t) -> (shape: [Int], elementType: HDF5ElementType, chunkShape: [Int]?)? {
        let space = H5Dget_space(id)
        guard space >= 0 else { return nil }
        defer { H5Sclose(space) }
        let type = H5Dget_type(id)
        guard type >= 0 else { return nil }
        defer { H5Tclose(type) }
        let creation = H5Dget_create_plist(id)
        guard creation >= 0 else { return nil }
        defer { H5Pclose(creation) }
        guard let shape = Dataspace.shape(of: space) else { return nil }
        var chunkShape: [Int]?
        if H5Pget_layout(creation) == H5D_CHUNKED {
            var dimensions = [hsize_t](repeating: 0, count: max(shape.count, 1))
            let rank = H5Pget_chunk(creation, Int32(dimensions.count), &dimensions)
            guard rank >= 0 else { return nil }
            chunkShape = dimensions.prefix(Int(rank)).map { Int(clamping: $0) }
        }
        return (shape, HDF5ElementType(typeID: type), chunkShape)
    }

    // MARK: Validation

    /// Returns self if the dataset holds `type` elements in `rank` dimensions; otherwise throws
    /// an error naming the file, the dataset, what was expected and what was found.
    @discardableResult
    public func expect(type: HDF5ElementType, rank: Int) throws -> HDF5Dataset {
        guard type == elementType, rank == shape.count else {
            throw HDF5Error(file: filePath, object: path,
                            "expected \(type) of rank \(rank), found \(elementType) of shape \(shape)")
        }
        return self
    }

    /// Returns self if the dataset holds `type` elements of `shape`, where a nil size matches
    /// any size (e.g. `[nil, 128, 128, 3]` for any number of 128×128 RGB images); otherwise
    /// throws an error naming the file, the dataset, what was expected and what was found.
    @discardableResult
    public func expect(type: HDF5ElementType, shape expected: [Int?]) throws -> HDF5Dataset {
        let matches = expected.count == shape.count && zip(expected, shape).allSatisfy { $0.0 == nil || $0.0 == $0.1 }
        guard type == elementType, matches else {
            let pattern = "[" + expected.map { $0.map(String.init) ?? "*" }.joined(separator: ", ") + "]"
            throw HDF5Error(file: filePath, object: path,
                            "expected \(type) of shape \(pattern), found \(elementType) of shape \(shape)")
        }
        return self
    }

    // MARK: Reading

    /// The whole dataset; throws unless it holds exactly `Element`'s element type.
    public func read<Element: HDF5Scalar>(_ type: Element.Type) throws -> HDF5Array<Element> {
        try requireElementType(Element.hdf5ElementType, reading: true)
        return HDF5Array(shape: shape, values: try readValues(converting: false))
    }

    /// The single value of a scalar (or one-element) dataset; throws unless it holds exactly
    /// `Element`'s element type.
    public func readScalar<Element: HDF5Scalar>(_ type: Element.Type) throws -> Element {
        guard elementCount == 1 else {
            throw HDF5Error(file: filePath, object: path, "expected a single value, found shape \(shape)")
        }
        return try read(type).values[0]
    }

    /// The whole dataset converted to `Element` by HDF5 (integers to floats, float64 to float32,
    /// ...; values out of `Element`'s range are clipped). Any numeric type is accepted.
    public func readConverting<Element: HDF5Scalar>(to type: Element.Type) throws -> HDF5Array<Element> {
        guard elementType.isNumeric else {
            throw HDF5Error(file: filePath, object: path, "holds \(elementType) elements, which do not convert to \(Element.hdf5ElementType)")
        }
        return HDF5Array(shape: shape, values: try readValues(converting: true))
    }

    /// Reads the whole dataset into `buffer`, which must hold exactly `elementCount` values;
    /// throws unless the dataset holds exactly `Element`'s element type.
    public func read<Element: HDF5Scalar>(into buffer: UnsafeMutableBufferPointer<Element>) throws {
        try requireElementType(Element.hdf5ElementType, reading: true)
        guard buffer.count == elementCount else {
            throw HDF5Error(file: filePath, object: path, "buffer of \(buffer.count) values for \(elementCount) elements (shape \(shape))")
        }
        try transfer(UnsafeMutableRawPointer(buffer.baseAddress), count: buffer.count, memoryType: Element.hdf5ElementType,
                     start: nil, extent: nil, writing: false)
    }

    /// Reads the hyperslab `start[d] ..< start[d] + count[d]` along every dimension `d` into
    /// `buffer` (C order), which must hold exactly the product of `count` values.
    ///
    /// For random access, e.g. image `i` of a (N, H, W, 3) uint8 dataset with
    /// `start: [i, 0, 0, 0], count: [1, H, W, 3]`. Nothing is allocated on the Swift side: pass
    /// arrays you reuse for `start` and `count`. Throws unless the dataset holds exactly
    /// `Element`'s element type and the hyperslab lies inside the dataset.
    public func read<Element: HDF5Scalar>(into buffer: UnsafeMutableBufferPointer<Element>,
                                          start: [Int], count: [Int]) throws {
        try requireElementType(Element.hdf5ElementType, reading: true)
        try requireHyperslab(start: start, count: count, bufferCount: buffer.count)
        try transfer(UnsafeMutableRawPointer(buffer.baseAddress), count: buffer.count, memoryType: Element.hdf5ElementType,
                     start: start, extent: count, writing: false)
    }

    /// Every element of a string dataset (fixed-length or variable-length), in C order.
    public func readStrings() throws -> [String] {
        try requireElementType(.string, reading: true)
        return try withHandle { handle in
            let type = try check(H5Dget_type(handle), "cannot read the datatype")
            defer { H5Tclose(type) }
            let space = try check(H5Dget_space(handle), "cannot read the dataspace")
            defer { H5Sclose(space) }
            let strings = StringElements.read(fileType: type, space: space, count: elementCount) { memoryType, buffer in
                H5Dread(handle, memoryType, sparnet_h5s_all(), sparnet_h5s_all(), sparnet_h5p_default(), buffer)
            }
            guard let strings else { throw failure("cannot read strings") }
            return strings
        }
    }

    // MARK: Writing

    /// Overwrites the whole dataset with `values` (C order, exactly `elementCount` of them);
    /// throws unless the dataset holds exactly `Element`'s element type.
    public func write<Element: HDF5Scalar>(_ values: [Element]) throws {
        try values.withUnsafeBufferPointer { try write(from: $0) }
    }

    /// Overwrites the whole dataset with the values in `buffer` (C order, exactly `elementCount`
    /// of them); throws unless the dataset holds exactly `Element`'s element type.
    public func write<Element: HDF5Scalar>(from buffer: UnsafeBufferPointer<Element>) throws {
        try requireElementType(Element.hdf5ElementType, reading: false)
        guard buffer.count == elementCount else {
            throw HDF5Error(file: filePath, object: path, "\(buffer.count) values for \(elementCount) elements (shape \(shape))")
        }
        try transfer(UnsafeMutableRawPointer(mutating: buffer.baseAddress), count: buffer.count,
                     memoryType: Element.hdf5ElementType, start: nil, extent: nil, writing: true)
    }

    /// Overwrites the hyperslab `start[d] ..< start[d] + count[d]` with the values in `buffer`
    /// (C order, exactly the product of `count`), e.g. one image of an image shard.
    public func write<Element: HDF5Scalar>(from buffer: UnsafeBufferPointer<Element>,
                                           start: [Int], count: [Int]) throws {
        try requireElementType(Element.hdf5ElementType, reading: false)
        try requireHyperslab(start: start, count: count, bufferCount: buffer.count)
        try transfer(UnsafeMutableRawPointer(mutating: buffer.baseAddress), count: buffer.count,
                     memoryType: Element.hdf5ElementType, start: start, extent: count, writing: true)
    }

    // MARK: Internals

    private func requireElementType(_ type: HDF5ElementType, reading: Bool) throws {
        guard type == elementType else {
            let hint = reading && elementType.isNumeric && type.isNumeric ? " (readConverting(to:) converts explicitly)" : ""
            throw HDF5Error(file: filePath, object: path,
                            "holds \(elementType) elements, not \(type)\(hint)")
        }
    }

    private func requireHyperslab(start: [Int], count: [Int], bufferCount: Int) throws {
        var total = 1
        var valid = start.count == shape.count && count.count == shape.count
        if valid {
            for axis in 0..<shape.count {
                let (end, overflow) = start[axis].addingReportingOverflow(count[axis])
                if start[axis] < 0 || count[axis] < 0 || overflow || end > shape[axis] { valid = false; break }
                total *= count[axis]
            }
        }
        guard valid else {
            throw HDF5Error(file: filePath, object: path, "hyperslab start \(start) count \(count) is outside shape \(shape)")
        }
        guard total == bufferCount else {
            throw HDF5Error(file: filePath, object: path, "buffer of \(bufferCount) values for a hyperslab of \(total) (count \(count))")
        }
    }

    /// Reads all elements into a new array, as `Element`'s memory type.
    private func readValues<Element: HDF5Scalar>(converting: Bool) throws -> [Element] {
        try [Element](unsafeUninitializedCapacity: elementCount) { buffer, initialized in
            try transfer(UnsafeMutableRawPointer(buffer.baseAddress), count: elementCount,
                         memoryType: Element.hdf5ElementType, start: nil, extent: nil, writing: false)
            initialized = elementCount
        }
    }

    /// Moves `count` elements between memory at `pointer` (of `memoryType`) and the dataset:
    /// all of it, or the hyperslab at `start` of `extent` (already validated).
    private func transfer(_ pointer: UnsafeMutableRawPointer?, count: Int, memoryType: HDF5ElementType,
                          start: [Int]?, extent: [Int]?, writing: Bool) throws {
        guard count > 0, let pointer, let typeID = memoryType.memoryTypeID else { return }
        let action = writing ? "cannot write" : "cannot read"
        try withHandle { handle in
            guard let start, let extent, !start.isEmpty else {
                let status = writing
                    ? H5Dwrite(handle, typeID, sparnet_h5s_all(), sparnet_h5s_all(), sparnet_h5p_default(), pointer)
                    : H5Dread(handle, typeID, sparnet_h5s_all(), sparnet_h5s_all(), sparnet_h5p_default(), pointer)
                try check(status, action)
                return
            }
            let rank = start.count
            try withUnsafeTemporaryAllocation(of: hsize_t.self, capacity: 2 * rank + 1) { scratch in
                for axis in 0..<rank {
                    scratch[axis] = hsize_t(start[axis])
                    scratch[rank + axis] = hsize_t(extent[axis])
                }
                scratch[2 * rank] = hsize_t(count)
                let base = scratch.baseAddress!
                let fileSpace = try check(H5Dget_space(handle), "cannot read the dataspace")
                defer { H5Sclose(fileSpace) }
                try check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, base, nil, base + rank, nil),
                          "cannot select hyperslab")
                // The memory dataspace has the selection's own shape: with a 1-D one HDF5 copies
                // element by element instead of in contiguous runs.
                let memorySpace = try check(H5Screate_simple(Int32(rank), base + rank, nil), "cannot make a memory dataspace")
                defer { H5Sclose(memorySpace) }
                let status = writing
                    ? H5Dwrite(handle, typeID, memorySpace, fileSpace, sparnet_h5p_default(), pointer)
                    : H5Dread(handle, typeID, memorySpace, fileSpace, sparnet_h5p_default(), pointer)
                try check(status, action)
            }
        }
    }
}
