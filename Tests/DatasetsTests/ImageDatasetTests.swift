import Foundation
import Testing
import Datasets
import HDF5
import TestSupport

/// `ImageDataset` validates every shard up front and rejects a bad one naming the file.
@Suite struct ImageDatasetTests {
    /// Writes a shard's format attributes for `height`×`width` images.
    @Test func badShardsAreRejectedNamingTheFile() throws {
        let directory = Fixtures.temporaryDirectory("dataset-bad")
        for (path, message) in try BadShards.write(in: directory) {
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
