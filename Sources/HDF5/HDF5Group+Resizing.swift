import CHDF5

extension HDF5Group {
    /// Changes the shape of the chunked dataset at `path` to `shape` (same rank), within the
    /// maximum shape it was created with (its creation shape: datasets here are not made
    /// extendible), so this shrinks: elements beyond the new shape are dropped and chunks never
    /// written take no space. E.g. an image shard created for N images that received only M.
    ///
    /// `HDF5Dataset` objects already open on the dataset keep their old `shape`: close them
    /// first and open the dataset again afterwards.
    /// - Throws: `HDF5Error` naming the file and dataset when it is missing, not chunked, of
    ///   another rank, or `shape` exceeds its maximum shape.
    public func resizeDataset(_ path: String, to shape: [Int]) throws {
        let dataset = try self.dataset(path)
        defer { try? dataset.close() }
        guard dataset.chunkShape != nil else {
            throw HDF5Error(file: filePath, object: dataset.path, "only chunked datasets can be resized")
        }
        guard shape.count == dataset.rank, shape.allSatisfy({ $0 >= 0 }) else {
            throw HDF5Error(file: filePath, object: dataset.path, "cannot resize shape \(dataset.shape) to \(shape)")
        }
        try dataset.withHandle { handle in
            let space = try dataset.check(H5Dget_space(handle), "cannot read the dataspace")
            defer { H5Sclose(space) }
            var maximum = [hsize_t](repeating: 0, count: shape.count)
            try dataset.check(H5Sget_simple_extent_dims(space, nil, &maximum), "cannot read the maximum shape")
            guard zip(shape, maximum).allSatisfy({ hsize_t($0.0) <= $0.1 }) else {
                throw HDF5Error(file: filePath, object: dataset.path,
                                "cannot resize to \(shape): the maximum shape is \(maximum.map { $0 == hsize_t.max ? -1 : Int($0) })")
            }
            let dimensions = shape.map { hsize_t($0) }
            try dataset.check(H5Dset_extent(handle, dimensions), "cannot resize to \(shape)")
        }
    }
}
