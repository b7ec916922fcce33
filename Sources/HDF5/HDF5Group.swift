import CHDF5

/// An open HDF5 group: navigation by path, members, and creation of groups and datasets.
///
/// Paths are relative to this group ("a/b") or absolute ("/a/b"); dataset names may contain
/// dots (PyTorch `state_dict` keys such as "encoder.1.conv1.conv2d.weight").
public class HDF5Group: HDF5Object, @unchecked Sendable {
    /// Opens the group at `path`.
    public func group(_ path: String) throws -> HDF5Group {
        let target = childPath(path)
        return try withHandle { handle in
            try requireKind(.group, at: path, handle: handle)
            let id = try check(H5Gopen2(handle, path, sparnet_h5p_default()), "cannot open group", object: target)
            return HDF5Group(handle: id, filePath: filePath, path: target, owner: file, close: H5Gclose)
        }
    }

    /// Creates a group at `path`, creating missing intermediate groups too; throws if something
    /// already exists there.
    @discardableResult
    public func createGroup(_ path: String) throws -> HDF5Group {
        let target = childPath(path)
        return try withHandle { handle in
            let linkCreation = try intermediateGroupLinkCreation(for: target)
            defer { H5Pclose(linkCreation) }
            let id = try check(H5Gcreate2(handle, path, linkCreation, sparnet_h5p_default(), sparnet_h5p_default()),
                               "cannot create group", object: target)
            return HDF5Group(handle: id, filePath: filePath, path: target, owner: file, close: H5Gclose)
        }
    }

    /// Opens the dataset at `path`.
    public func dataset(_ path: String) throws -> HDF5Dataset {
        let target = childPath(path)
        return try withHandle { handle in
            try requireKind(.dataset, at: path, handle: handle)
            let id = try check(H5Dopen2(handle, path, sparnet_h5p_default()), "cannot open dataset", object: target)
            return try HDF5Dataset(opened: id, filePath: filePath, path: target, owner: file)
        }
    }

    /// The names of this group's members (groups, datasets, named types, links), sorted by
    /// name in byte order (HDF5's name index, increasing). Creation order is not used: files
    /// written by h5py do not track it by default.
    public func memberNames() throws -> [String] {
        try withHandle { handle in
            var names: [String] = []
            let collect: H5L_iterate_t = { _, name, _, names in
                guard let name, let names else { return -1 }
                names.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                return 0
            }
            let status = withUnsafeMutablePointer(to: &names) {
                H5Literate(handle, H5_INDEX_NAME, H5_ITER_INC, nil, collect, UnsafeMutableRawPointer($0))
            }
            try check(status, "cannot list members")
            return names
        }
    }

    /// Whether `path` names an existing object (every intermediate component must be a group).
    public func contains(_ path: String) throws -> Bool {
        try withHandle { handle in try objectKind(at: path, handle: handle) != nil }
    }

    /// Whether `path` is a group, dataset or named datatype; throws if nothing is there.
    public func kind(of path: String) throws -> HDF5ObjectKind {
        try withHandle { handle in
            guard let kind = try objectKind(at: path, handle: handle) else {
                throw HDF5Error(file: filePath, object: childPath(path), "does not exist")
            }
            return kind
        }
    }

    /// Creates a dataset of numeric `elementType` and `shape` (`[]` for a scalar), filled with
    /// zeros until written. Missing intermediate groups are created.
    ///
    /// - Parameters:
    ///   - chunkShape: store in chunks of this shape (same rank, each size from 1 to the
    ///     dataset's size); nil for contiguous storage. Reading one chunk-aligned hyperslab,
    ///     e.g. one image of chunk (1, H, W, 3), then touches only that chunk.
    ///   - gzipLevel: compress each chunk with deflate at this level (0–9), after HDF5's byte
    ///     shuffle filter (which groups the bytes of each significance and compresses numbers
    ///     better). Needs `chunkShape`.
    @discardableResult
    public func createDataset(_ path: String, elementType: HDF5ElementType, shape: [Int],
                              chunkShape: [Int]? = nil, gzipLevel: Int? = nil) throws -> HDF5Dataset {
        let target = childPath(path)
        guard let fileType = elementType.fileTypeID else {
            throw HDF5Error(file: filePath, object: target, "cannot create a dataset of \(elementType) elements")
        }
        guard Dataspace.elementCount(shape) != nil else {
            throw HDF5Error(file: filePath, object: target, "invalid shape \(shape)")
        }
        return try withHandle { handle in
            let creation = try datasetCreation(shape: shape, chunkShape: chunkShape, gzipLevel: gzipLevel, for: target)
            defer { H5Pclose(creation) }
            let linkCreation = try intermediateGroupLinkCreation(for: target)
            defer { H5Pclose(linkCreation) }
            let space = try check(Dataspace.create(shape: shape), "cannot make a dataspace of shape \(shape)", object: target)
            defer { H5Sclose(space) }
            let id = try check(H5Dcreate2(handle, path, fileType, space, linkCreation, creation, sparnet_h5p_default()),
                               "cannot create dataset", object: target)
            return try HDF5Dataset(opened: id, filePath: filePath, path: target, owner: file)
        }
    }

    /// Creates a dataset of `shape` holding `values` (C order, `Element`'s type); see
    /// `createDataset(_:elementType:shape:chunkShape:gzipLevel:)` for the storage options.
    @discardableResult
    public func writeDataset<Element: HDF5Scalar>(_ path: String, values: [Element], shape: [Int],
                                                  chunkShape: [Int]? = nil, gzipLevel: Int? = nil) throws -> HDF5Dataset {
        try values.withUnsafeBufferPointer {
            try writeDataset(path, from: $0, shape: shape, chunkShape: chunkShape, gzipLevel: gzipLevel)
        }
    }

    /// Creates a dataset of `shape` holding the values in `buffer` (C order); see
    /// `createDataset(_:elementType:shape:chunkShape:gzipLevel:)` for the storage options.
    @discardableResult
    public func writeDataset<Element: HDF5Scalar>(_ path: String, from buffer: UnsafeBufferPointer<Element>,
                                                  shape: [Int], chunkShape: [Int]? = nil,
                                                  gzipLevel: Int? = nil) throws -> HDF5Dataset {
        guard let count = Dataspace.elementCount(shape), count == buffer.count else {
            throw HDF5Error(file: filePath, object: childPath(path),
                            "\(buffer.count) values do not fill shape \(shape)")
        }
        return try HDF5Library.serialized {
            let dataset = try createDataset(path, elementType: Element.hdf5ElementType, shape: shape,
                                            chunkShape: chunkShape, gzipLevel: gzipLevel)
            do {
                try dataset.write(from: buffer)
            } catch {
                // Leave no half-written dataset behind.
                try? dataset.close()
                _ = try? withHandle { H5Ldelete($0, path, sparnet_h5p_default()) }
                throw error
            }
            return dataset
        }
    }

    /// The kind of object at `path`, or nil when a component is missing or not a group.
    private func objectKind(at path: String, handle: hid_t) throws -> HDF5ObjectKind? {
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        var prefix = path.hasPrefix("/") ? "/" : ""
        var kind: HDF5ObjectKind? = .group
        for component in components {
            guard kind == .group else { return nil }
            if component == "." { continue }
            prefix += (prefix.isEmpty || prefix == "/" ? "" : "/") + component
            let exists = H5Lexists(handle, prefix, sparnet_h5p_default())
            if exists < 0 { throw failure("cannot look up link", object: childPath(prefix)) }
            if exists == 0 { return nil }
            let resolves = H5Oexists_by_name(handle, prefix, sparnet_h5p_default())
            if resolves <= 0 { return nil }
            let object = try check(H5Oopen(handle, prefix, sparnet_h5p_default()), "cannot open object",
                                   object: childPath(prefix))
            defer { H5Oclose(object) }
            switch H5Iget_type(object) {
            case H5I_GROUP: kind = .group
            case H5I_DATASET: kind = .dataset
            case H5I_DATATYPE: kind = .datatype
            default: kind = nil
            }
        }
        return kind
    }

    /// Throws a clear error when `path` is missing or is not a `kind`.
    private func requireKind(_ kind: HDF5ObjectKind, at path: String, handle: hid_t) throws {
        guard let found = try objectKind(at: path, handle: handle) else {
            throw HDF5Error(file: filePath, object: childPath(path), "no such \(kind)")
        }
        guard found == kind else {
            throw HDF5Error(file: filePath, object: childPath(path), "is a \(found), not a \(kind)")
        }
    }

    /// A link-creation property list that creates missing intermediate groups.
    private func intermediateGroupLinkCreation(for target: String) throws -> hid_t {
        let list = try check(H5Pcreate(sparnet_h5p_link_create()), "cannot create a property list", object: target)
        if H5Pset_create_intermediate_group(list, 1) < 0 {
            H5Pclose(list)
            throw failure("cannot set intermediate group creation", object: target)
        }
        return list
    }

    /// A dataset-creation property list for the storage options, validated.
    private func datasetCreation(shape: [Int], chunkShape: [Int]?, gzipLevel: Int?, for target: String) throws -> hid_t {
        if let chunkShape {
            guard chunkShape.count == shape.count, !shape.isEmpty,
                  zip(chunkShape, shape).allSatisfy({ $0.0 >= 1 && $0.0 <= $0.1 }) else {
                throw HDF5Error(file: filePath, object: target,
                                "chunk shape \(chunkShape) does not fit dataset shape \(shape) (same rank, each size from 1 to the dataset's)")
            }
        }
        if let gzipLevel {
            guard (0...9).contains(gzipLevel) else {
                throw HDF5Error(file: filePath, object: target, "gzip level \(gzipLevel) is not in 0...9")
            }
            guard chunkShape != nil else {
                throw HDF5Error(file: filePath, object: target, "gzip compression needs a chunk shape")
            }
            guard H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 else {
                throw HDF5Error(file: filePath, object: target, "this HDF5 library has no deflate (gzip) filter")
            }
        }
        let list = try check(H5Pcreate(sparnet_h5p_dataset_create()), "cannot create a property list", object: target)
        do {
            if let chunkShape {
                let dimensions = chunkShape.map { hsize_t($0) }
                try check(H5Pset_chunk(list, Int32(dimensions.count), dimensions), "cannot set chunk shape \(chunkShape)", object: target)
            }
            if let gzipLevel {
                try check(H5Pset_shuffle(list), "cannot add the shuffle filter", object: target)
                try check(H5Pset_deflate(list, UInt32(gzipLevel)), "cannot add the deflate filter", object: target)
            }
        } catch {
            H5Pclose(list)
            throw error
        }
        return list
    }
}
