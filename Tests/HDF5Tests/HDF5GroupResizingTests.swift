import Testing
import HDF5
import TestSupport

/// `HDF5Group.resizeDataset`: shrinking a chunked dataset (an image shard that received fewer
/// images than it had room for).
@Suite struct HDF5GroupResizingTests {
    @Test("A chunked dataset shrinks to its first rows and keeps their values")
    func shrinks() throws {
        let path = Fixtures.temporaryDirectory("hdf5-resize") + "/resize.h5"
        let file = try HDF5File(path: path, mode: .create)
        let values = (0..<15).map(Int32.init)
        try file.writeDataset("rows", values: values, shape: [5, 3], chunkShape: [1, 3])
        try file.resizeDataset("rows", to: [2, 3])
        try file.close()
        let rows = try HDF5File(path: path).dataset("rows")
        #expect(rows.shape == [2, 3] && rows.chunkShape == [1, 3])
        #expect(try rows.read(Int32.self).values == Array(values[..<6]))
        let header = try HDF5Tools.datasetHeader(path, "/rows")
        #expect(header.contains("( 2, 3 ) / ( 5, 3 )"), "\(header)")
    }

    @Test("Growing past the creation shape, another rank, or contiguous storage are refused")
    func refusals() throws {
        let path = Fixtures.temporaryDirectory("hdf5-resize") + "/resize.h5"
        let file = try HDF5File(path: path, mode: .create)
        try file.writeDataset("chunked", values: [Float](repeating: 1, count: 6), shape: [3, 2], chunkShape: [1, 2])
        try file.writeDataset("contiguous", values: [Float](repeating: 1, count: 6), shape: [3, 2])
        for (name, shape, message) in [("chunked", [4, 2], "maximum shape"), ("chunked", [3], "cannot resize"),
                                       ("contiguous", [2, 2], "chunked"), ("missing", [1], "no such dataset")] {
            let error = #expect(throws: HDF5Error.self) { try file.resizeDataset(name, to: shape) }
            #expect(error?.file == path && error?.object == "/" + name && error?.message.contains(message) == true,
                    "\(String(describing: error))")
        }
        #expect(try file.dataset("chunked").shape == [3, 2])
    }
}
