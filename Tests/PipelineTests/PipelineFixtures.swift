import Datasets
import Foundation
import Imaging
import TestSupport

/// A fresh directory under the system's temporary directory, removed with its contents on deinit.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}

/// Synthetic face `index` of `size`² (seed 7), as an image.
func syntheticFace(_ index: Int, size: Int) -> RGBImage {
    let faces = SyntheticFaces(seed: 7, size: size)
    return RGBImage(width: size, height: size) { faces.render(index, into: $0) }
}

/// Writes synthetic faces 0..<sum(counts) of `size`² into shards `faces-<k>.h5` holding
/// `counts[k]` images each; the shard paths in order.
@discardableResult
func writeFaceShards(in directory: TemporaryDirectory, counts: [Int], size: Int) throws -> [String] {
    var first = 0
    return try counts.enumerated().map { shard, count in
        let path = directory.file("faces-\(shard).h5")
        let writer = try ImageShardWriter(path: path, count: count, height: size, width: size)
        for i in 0..<count {
            try syntheticFace(first + i, size: size).withUnsafePixels { try writer.write($0, at: i) }
        }
        try writer.commit()
        first += count
        return path
    }
}

/// An image of uniform random bytes (incompressible, so a gzip shard's chunks fill its file).
func noiseImage(width: Int, height: Int, seed: UInt64) -> RGBImage {
    var random = TestRandom(seed: seed)
    return RGBImage(width: width, height: height, pixels: (0..<(width * height * 3)).map { _ in UInt8.random(in: 0...255, using: &random) })
}

/// Every value of `count` Floats from `pointer`.
func floats(_ pointer: UnsafeMutablePointer<Float>, _ count: Int) -> [Float] {
    Array(UnsafeBufferPointer(start: pointer, count: count))
}

/// A buffer of `count` Floats for a test's lifetime.
final class FloatBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: count)
        pointer.initialize(repeating: .nan, count: count)
    }

    deinit { pointer.deallocate() }

    var values: [Float] { floats(pointer, count) }
}
