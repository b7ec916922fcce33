import Foundation
import Testing
import HDF5
import TestSupport

/// Ranks 0 to 5, with sizes 1 and odd sizes.
let roundTripShapes: [[Int]] = [[], [1], [7], [3, 4], [2, 3, 5], [2, 3, 4, 5], [1, 2, 1, 3, 2]]

/// What h5dump calls the little-endian file type of each element type we write.
let h5dumpTypeNames: [HDF5ElementType: String] = [
    .float32: "H5T_IEEE_F32LE", .float64: "H5T_IEEE_F64LE",
    .int8: "H5T_STD_I8LE", .int16: "H5T_STD_I16LE", .int32: "H5T_STD_I32LE", .int64: "H5T_STD_I64LE",
    .uint8: "H5T_STD_U8LE", .uint16: "H5T_STD_U16LE", .uint32: "H5T_STD_U32LE", .uint64: "H5T_STD_U64LE",
]

/// h5dump's DATASPACE line for `shape`.
func h5dumpDataspace(_ shape: [Int]) -> String {
    if shape.isEmpty { return "DATASPACE  SCALAR" }
    let sizes = shape.map(String.init).joined(separator: ", ")
    return "DATASPACE  SIMPLE { ( \(sizes) ) / ( \(sizes) ) }"
}

@Suite struct HDF5DatasetTests {
    /// Writes `values` as a dataset of `shape`, reads them back with the wrapper, and checks
    /// type, dimensions and every value with h5dump (`format` prints floats exactly).
    func roundTrip<Element: HDF5Scalar & Equatable & LosslessStringConvertible>(
        _ values: [Element], shape: [Int], directory: String, chunkShape: [Int]? = nil, gzipLevel: Int? = nil,
        format: String = "%.9g"
    ) throws {
        let type = Element.hdf5ElementType
        let path = "\(directory)/\(type)-rank\(shape.count).h5"
        do {
            let file = try HDF5File(path: path, mode: .create)
            try file.writeDataset("group/values", values: values, shape: shape, chunkShape: chunkShape, gzipLevel: gzipLevel)
        }
        let file = try HDF5File(path: path)
        let dataset = try file.dataset("group/values")
        #expect(dataset.shape == shape && dataset.elementType == type && dataset.elementCount == values.count)
        #expect(dataset.chunkShape == chunkShape)
        let array = try dataset.read(Element.self)
        #expect(array == HDF5Array(shape: shape, values: values), "\(type) \(shape)")

        let header = try HDF5Tools.datasetHeader(path, "/group/values")
        #expect(header.contains("DATATYPE  \(h5dumpTypeNames[type]!)"), "\(header)")
        #expect(header.contains(h5dumpDataspace(shape)), "\(header)")
        let dumped = try HDF5Tools.datasetValues(path, "/group/values", format: format).map { Element($0) }
        #expect(dumped == values.map { Optional($0) }, "h5dump values of \(type) \(shape)")
    }

    @Test("Every element type and rank round-trips, checked by our reader and by h5dump", arguments: roundTripShapes)
    func roundTripsEveryTypeAndRank(shape: [Int]) throws {
        let directory = Fixtures.temporaryDirectory("hdf5-roundtrip")
        let count = shape.reduce(1, *)
        var random = TestRandom(seed: UInt64(17 + shape.count))
        try roundTrip(random.uniform(count, in: -3...3).floats, shape: shape, directory: directory)
        try roundTrip(random.normal(count), shape: shape, directory: directory, format: "%.17g")
        // Int64 beyond 2^53 proves no trip through floating point.
        try roundTrip((0..<count).map { Int64.max - Int64($0) * 1_000_003 }, shape: shape, directory: directory)
        try roundTrip((0..<count).map { Int32(-5 + $0 * 977) }, shape: shape, directory: directory)
        try roundTrip((0..<count).map { UInt8(truncatingIfNeeded: $0 * 37 + 200) }, shape: shape, directory: directory)
        try roundTrip((0..<count).map { Int8(truncatingIfNeeded: $0 * 11 - 100) }, shape: shape, directory: directory)
        try roundTrip((0..<count).map { UInt64.max - UInt64($0) }, shape: shape, directory: directory)
    }

    @Test("Chunked, shuffled, gzipped datasets round-trip and h5dump sees DEFLATE")
    func chunkedGzip() throws {
        let directory = Fixtures.temporaryDirectory("hdf5-gzip")
        let shape = [4, 6, 5, 3]
        let images = (0..<shape.reduce(1, *)).map { UInt8($0 % 7 * 30) }
        try roundTrip(images, shape: shape, directory: directory, chunkShape: [1, 6, 5, 3], gzipLevel: 6)
        var random = TestRandom(seed: 5)
        let weights = random.uniform(2 * 7 * 9).floats
        try roundTrip(weights, shape: [2, 7, 9], directory: directory, chunkShape: [1, 3, 9], gzipLevel: 1)

        let header = try HDF5Tools.datasetHeader("\(directory)/uint8-rank4.h5", "/group/values")
        #expect(header.contains("CHUNKED ( 1, 6, 5, 3 )"), "\(header)")
        #expect(header.contains("PREPROCESSING SHUFFLE"), "\(header)")
        #expect(header.contains("COMPRESSION DEFLATE { LEVEL 6 }"), "\(header)")
        // Repetitive bytes compress: the file is smaller than the raw data plus HDF5's overhead.
        let contiguous = "\(directory)/contiguous.h5"
        try HDF5File(path: contiguous, mode: .create).writeDataset("x", values: [UInt8](repeating: 9, count: 100_000), shape: [100_000])
        let compressed = "\(directory)/compressed.h5"
        try HDF5File(path: compressed, mode: .create)
            .writeDataset("x", values: [UInt8](repeating: 9, count: 100_000), shape: [100_000], chunkShape: [10_000], gzipLevel: 9)
        let size = { (path: String) in (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        #expect(size(compressed) < 20_000 && size(contiguous) > 100_000, "\(size(compressed)) \(size(contiguous))")
    }

    @Test("A hyperslab read of one image equals that slice of the full read")
    func hyperslabImage() throws {
        let path = Fixtures.temporaryDirectory("hdf5-slab") + "/images.h5"
        let (count, height, width) = (5, 9, 7)
        let imageSize = height * width * 3
        var random = TestRandom(seed: 3)
        let pixels = (0..<count * imageSize).map { _ in UInt8.random(in: 0...255, using: &random) }
        try HDF5File(path: path, mode: .create).writeDataset(
            "images", values: pixels, shape: [count, height, width, 3], chunkShape: [1, height, width, 3], gzipLevel: 4)

        let dataset = try HDF5File(path: path).dataset("images").expect(type: .uint8, shape: [nil, height, width, 3])
        let full = try dataset.read(UInt8.self).values
        var image = [UInt8](repeating: 0, count: imageSize)
        var start = [0, 0, 0, 0]
        let extent = [1, height, width, 3]
        for index in [3, 0, 4, 1] {
            start[0] = index
            try image.withUnsafeMutableBufferPointer { try dataset.read(into: $0, start: start, count: extent) }
            #expect(image.elementsEqual(full[index * imageSize ..< (index + 1) * imageSize]), "image \(index)")
        }
    }

    @Test("A general hyperslab equals the naive slice, and writes by hyperslab land in place")
    func hyperslabBlock() throws {
        let path = Fixtures.temporaryDirectory("hdf5-block") + "/block.h5"
        let shape = [4, 5, 6]
        let values = (0..<120).map { Float($0) }
        let file = try HDF5File(path: path, mode: .create)
        let dataset = try file.writeDataset("x", values: values, shape: shape)
        let (start, count) = ([1, 2, 3], [2, 3, 2])
        var block = [Float](repeating: .nan, count: 12)
        try block.withUnsafeMutableBufferPointer { try dataset.read(into: $0, start: start, count: count) }
        var expected: [Float] = []
        for i in 1..<3 { for j in 2..<5 { for k in 3..<5 { expected.append(values[(i * 5 + j) * 6 + k]) } } }
        #expect(block == expected)

        let replacement = (0..<12).map { Float(-1 - $0) }
        try replacement.withUnsafeBufferPointer { try dataset.write(from: $0, start: start, count: count) }
        var updated = values
        var next = 0
        for i in 1..<3 { for j in 2..<5 { for k in 3..<5 { updated[(i * 5 + j) * 6 + k] = replacement[next]; next += 1 } } }
        #expect(try dataset.read(Float.self).values == updated)
    }

    @Test("Hyperslabs outside the dataset or of the wrong size throw, naming the dataset")
    func badHyperslabs() throws {
        let path = Fixtures.temporaryDirectory("hdf5-badslab") + "/x.h5"
        let dataset = try HDF5File(path: path, mode: .create).writeDataset("x", values: [Float](repeating: 1, count: 24), shape: [2, 3, 4])
        var buffer = [Float](repeating: 0, count: 12)
        let cases: [([Int], [Int])] = [([1, 0, 0], [2, 3, 2]), ([0, 0], [2, 6]), ([0, 0, -1], [1, 3, 4]), ([0, 0, 0], [1, 3, 3]),
                                       ([0, 0, 0], [1, 3, Int.max])]
        for (start, count) in cases {
            let error = #expect(throws: HDF5Error.self) {
                try buffer.withUnsafeMutableBufferPointer { try dataset.read(into: $0, start: start, count: count) }
            }
            #expect(error.map { "\($0)".contains(path) && "\($0)".contains("/x") } == true, "\(String(describing: error))")
        }
        let wrongType = #expect(throws: HDF5Error.self) {
            var bytes = [UInt8](repeating: 0, count: 12)
            try bytes.withUnsafeMutableBufferPointer { try dataset.read(into: $0, start: [0, 0, 0], count: [1, 3, 4]) }
        }
        #expect(wrongType.map { "\($0)".contains("holds float32 elements, not uint8") } == true)
    }

    @Test("Reads are strict about the element type; readConverting converts on request")
    func strictTypes() throws {
        let path = Fixtures.temporaryDirectory("hdf5-strict") + "/x.h5"
        let pixels: [UInt8] = [0, 1, 128, 255, 7, 9]
        let file = try HDF5File(path: path, mode: .create)
        try file.writeDataset("images/pixels", values: pixels, shape: [2, 3])
        let dataset = try file.dataset("images/pixels")
        let error = #expect(throws: HDF5Error.self) { try dataset.read(Float.self) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains(path) && text.contains("/images/pixels") && text.contains("uint8") && text.contains("float32"), "\(text)")
        #expect(throws: HDF5Error.self) { try dataset.read(Int64.self) }
        #expect(throws: HDF5Error.self) { try dataset.write([Float](repeating: 0, count: 6)) }
        #expect(throws: HDF5Error.self) { try dataset.readStrings() }
        let converted = try dataset.readConverting(to: Float.self)
        #expect(converted == HDF5Array(shape: [2, 3], values: pixels.map(Float.init)))
        #expect(try dataset.readConverting(to: Double.self).values == pixels.map(Double.init))
    }

    @Test("expect(type:rank:) and expect(type:shape:) name what was expected and found")
    func expectations() throws {
        let path = Fixtures.temporaryDirectory("hdf5-expect") + "/x.h5"
        let dataset = try HDF5File(path: path, mode: .create).writeDataset("w", values: [Float](repeating: 0, count: 24), shape: [2, 3, 4])
        #expect(throws: Never.self) { try dataset.expect(type: .float32, rank: 3).expect(type: .float32, shape: [2, nil, 4]) }
        let wrongRank = #expect(throws: HDF5Error.self) { try dataset.expect(type: .float32, rank: 4) }
        #expect(wrongRank.map { "\($0)" } == "\(path): /w: expected float32 of rank 4, found float32 of shape [2, 3, 4]")
        let wrongType = #expect(throws: HDF5Error.self) { try dataset.expect(type: .uint8, rank: 3) }
        #expect(wrongType.map { "\($0)".contains("expected uint8 of rank 3, found float32") } == true)
        let wrongShape = #expect(throws: HDF5Error.self) { try dataset.expect(type: .float32, shape: [2, nil, 5]) }
        #expect(wrongShape.map { "\($0)".contains("expected float32 of shape [2, *, 5], found float32 of shape [2, 3, 4]") } == true)
    }

    @Test("Scalars, empty datasets and whole-buffer reads")
    func scalarsAndBuffers() throws {
        let path = Fixtures.temporaryDirectory("hdf5-scalar") + "/x.h5"
        let file = try HDF5File(path: path, mode: .create)
        try file.writeDataset("loss", values: [0.25], shape: [])
        try file.writeDataset("empty", values: [Float](), shape: [0, 3])
        try file.writeDataset("steps", values: [Int64(1)], shape: [])
        #expect(try file.dataset("loss").readScalar(Double.self) == 0.25)
        #expect(try file.dataset("steps").readScalar(Int64.self) == 1)
        #expect(try file.dataset("empty").read(Float.self) == HDF5Array(shape: [0, 3], values: []))
        #expect(throws: HDF5Error.self) { try file.dataset("empty").readScalar(Float.self) }

        let weights = try file.createDataset("weights", elementType: .float32, shape: [2, 2])
        #expect(try weights.read(Float.self).values == [0, 0, 0, 0])
        try weights.write([1, 2, 3, 4] as [Float])
        var buffer = [Float](repeating: 0, count: 4)
        try buffer.withUnsafeMutableBufferPointer { try weights.read(into: $0) }
        #expect(buffer == [1, 2, 3, 4])
        var short = [Float](repeating: 0, count: 3)
        #expect(throws: HDF5Error.self) { try short.withUnsafeMutableBufferPointer { try weights.read(into: $0) } }
        #expect(throws: HDF5Error.self) { try weights.write([1, 2, 3] as [Float]) }
    }

    @Test("Invalid storage options and value counts throw before anything is written")
    func invalidCreation() throws {
        let path = Fixtures.temporaryDirectory("hdf5-invalid") + "/x.h5"
        let file = try HDF5File(path: path, mode: .create)
        let values = [Float](repeating: 0, count: 12)
        let attempts: [(String, () throws -> Void)] = [
            ("count", { try file.writeDataset("a", values: values, shape: [5, 3]) }),
            ("negative", { try file.writeDataset("b", values: values, shape: [-3, -4]) }),
            ("chunk rank", { try file.writeDataset("c", values: values, shape: [3, 4], chunkShape: [3]) }),
            ("chunk size", { try file.writeDataset("d", values: values, shape: [3, 4], chunkShape: [4, 4]) }),
            ("chunk zero", { try file.writeDataset("e", values: values, shape: [3, 4], chunkShape: [0, 4]) }),
            ("gzip without chunks", { try file.writeDataset("f", values: values, shape: [3, 4], gzipLevel: 4) }),
            ("gzip level", { try file.writeDataset("g", values: values, shape: [3, 4], chunkShape: [1, 4], gzipLevel: 10) }),
            ("string type", { try file.createDataset("h", elementType: .string, shape: [2]) }),
        ]
        for (label, attempt) in attempts {
            let error = #expect(throws: HDF5Error.self, "\(label)") { try attempt() }
            #expect(error?.file == path, "\(label)")
        }
        #expect(try file.memberNames().isEmpty, "nothing half-written")
        try file.writeDataset("x", values: values, shape: [12])
        let duplicate = #expect(throws: HDF5Error.self) { try file.writeDataset("x", values: values, shape: [12]) }
        #expect(duplicate?.object == "/x")
    }

    @Test("Variable-length string datasets made by h5import read back")
    func variableLengthStrings() throws {
        let directory = Fixtures.temporaryDirectory("hdf5-strings")
        try "celeba/000001.jpg\nffhq/12345.png\nno extension\n".write(toFile: "\(directory)/names.txt", atomically: true, encoding: .utf8)
        try "PATH /names\nINPUT-CLASS STR\n".write(toFile: "\(directory)/names.cfg", atomically: true, encoding: .utf8)
        try HDF5Tools.run("h5import", ["\(directory)/names.txt", "-c", "\(directory)/names.cfg", "-o", "\(directory)/names.h5"])
        let names = try HDF5File(path: "\(directory)/names.h5").dataset("names")
        #expect(names.elementType == .string && names.shape == [3])
        #expect(try names.readStrings() == ["celeba/000001.jpg", "ffhq/12345.png", "no extension"])
        #expect(throws: HDF5Error.self) { try names.read(UInt8.self) }
        #expect(throws: HDF5Error.self) { try names.readConverting(to: Float.self) }
    }
}
