import Foundation
import Testing
import Datasets
import HDF5
import TestSupport

/// `ImageDataset` validates every shard up front and rejects a bad one naming the file.
@Suite struct ImageDatasetTests {
    /// Writes a shard's format attributes for `height`×`width` images.
    static func setFormatAttributes(_ file: HDF5File, height: Int = 8, width: Int = 8) throws {
        try file.setAttribute("format", to: ImageShardFormat.formatName)
        try file.setAttribute("version", to: ImageShardFormat.version)
        try file.setAttribute("height", to: Int64(height))
        try file.setAttribute("width", to: Int64(width))
    }

    /// Broken shards written with the HDF5 wrapper, each with the phrase its error must contain.
    static func writeBadShards(in directory: String) throws -> [(path: String, message: String)] {
        func shard(_ name: String, _ body: (HDF5File) throws -> Void) throws -> String {
            let path = directory + "/" + name
            let file = try HDF5File(path: path, mode: .create)
            try body(file)
            try file.close()
            return path
        }
        let pixels = [UInt8](repeating: 7, count: 2 * 8 * 8 * 3)
        var shards: [(String, String)] = []
        shards.append((try shard("float32.h5") { file in
            try setFormatAttributes(file)
            try file.writeDataset("images", values: [Float](repeating: 0.5, count: 2 * 8 * 8 * 3), shape: [2, 8, 8, 3])
        }, "expected uint8 of shape [*, *, *, 3], found float32 of shape [2, 8, 8, 3]"))
        shards.append((try shard("no-images.h5") { file in
            try setFormatAttributes(file)
            try file.writeStrings("names", ["a.png", "b.png"])
        }, "missing the /images dataset"))
        shards.append((try shard("rank3.h5") { file in
            try setFormatAttributes(file)
            try file.writeDataset("images", values: pixels, shape: [2, 8, 24])
        }, "found uint8 of shape [2, 8, 24]"))
        shards.append((try shard("no-format.h5") { file in
            try file.writeDataset("images", values: pixels, shape: [2, 8, 8, 3])
        }, "not an image shard (format attribute (none)"))
        shards.append((try shard("wrong-size.h5") { file in
            try setFormatAttributes(file, height: 16, width: 16)
            try file.writeDataset("images", values: pixels, shape: [2, 8, 8, 3], chunkShape: [1, 8, 8, 3])
        }, "/images is 8×8 but the height/width attributes say 16×16"))
        shards.append((try shard("empty.h5") { file in
            try setFormatAttributes(file)
            try file.createDataset("images", elementType: .uint8, shape: [0, 8, 8, 3])
        }, "holds no images"))
        let garbage = directory + "/garbage.h5"
        try Data(repeating: 0x42, count: 2048).write(to: URL(fileURLWithPath: garbage))
        shards.append((garbage, garbage))
        return shards
    }

    @Test func badShardsAreRejectedNamingTheFile() throws {
        let directory = Fixtures.temporaryDirectory("dataset-bad")
        for (path, message) in try Self.writeBadShards(in: directory) {
            let error = #expect(throws: (any Error).self) { try ImageDataset(paths: [path]) }
            let text = error.map { "\($0)" } ?? ""
            #expect(text.contains(path) && text.contains(message), "\(path): \(text)")
        }
    }

    @Test func shardsOfDifferentSizesAreRejectedNamingTheLaterOne() throws {
        let directory = Fixtures.temporaryDirectory("dataset-sizes")
        for (name, size) in [("a.h5", 8), ("b.h5", 16)] {
            let writer = try ImageShardWriter(path: directory + "/" + name, count: 1, height: size, width: size)
            try [UInt8](repeating: 1, count: size * size * 3).withUnsafeBufferPointer { try writer.write($0, at: 0) }
            try writer.commit()
        }
        let error = #expect(throws: DatasetError.self) { try ImageDataset(patterns: [directory + "/*.h5"]) }
        #expect(error?.description == "\(directory)/b.h5: images are 16×16, the shards before hold 8×8")
        let none = #expect(throws: DatasetError.self) { try ImageDataset(patterns: [directory + "/c*.h5"]) }
        #expect(none?.description == "no file matches \(directory)/c*.h5")
    }

    @Test func readingOutsideTheDatasetThrowsNamingTheIndexAndShards() throws {
        let directory = Fixtures.temporaryDirectory("dataset-index")
        for (name, count) in [("a.h5", 2), ("b.h5", 1)] {
            let writer = try ImageShardWriter(path: directory + "/" + name, count: count, height: 4, width: 4)
            for i in 0..<count {
                try [UInt8](repeating: UInt8(10 * count + i), count: 4 * 4 * 3).withUnsafeBufferPointer {
                    try writer.write($0, at: i)
                }
            }
            try writer.commit()
        }
        let dataset = try ImageDataset(patterns: [directory + "/*.h5"])
        var pixels = [UInt8](repeating: 0, count: dataset.imageByteCount)
        try pixels.withUnsafeMutableBufferPointer { try dataset.read(2, into: $0) }
        #expect(pixels.allSatisfy { $0 == 10 }, "the last image is b.h5's first")
        for index in [3, -1] {
            let error = #expect(throws: DatasetError.self) {
                try pixels.withUnsafeMutableBufferPointer { try dataset.read(index, into: $0) }
            }
            #expect(error?.description
                    == "\(directory)/a.h5, \(directory)/b.h5: no image \(index), the dataset holds 3 (indices 0…2)")
        }
    }
}
