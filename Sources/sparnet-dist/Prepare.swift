import ArgumentParser
import Datasets
import Foundation

/// `sparnet-dist prepare`: turns images into HDF5 image shards (DESIGN.md §6).
struct Prepare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a dataset of faces as HDF5 image shards.",
        discussion: """
            --synthetic N draws N procedural faces (the built-in dataset: no download needed). \
            Shards are written under a temporary name and renamed only when complete.
            """)

    @Option(help: "Draw this many synthetic faces.") var synthetic: Int?
    @Option(help: "Output file, e.g. data/synthetic.h5 (shards: data/synthetic-00000-of-00004.h5, …).")
    var out: String
    @Option(help: "Image height and width.") var size = 128
    @Option(help: "Number of shard files.") var shards = 1
    @Option(help: "Seed of the synthetic faces.") var seed: UInt64 = 1
    @Option(help: "gzip level 1–9 for the image chunks (default: none, fastest to read).") var gzip: Int?

    func validate() throws {
        guard let synthetic else { throw ValidationError("give --synthetic N") }
        guard synthetic > 0 else { throw ValidationError("--synthetic must be positive, got \(synthetic)") }
        guard size >= 8 else { throw ValidationError("--size must be at least 8, got \(size)") }
        guard shards >= 1, shards <= synthetic else {
            throw ValidationError("--shards must be between 1 and the number of images (\(synthetic)), got \(shards)")
        }
        if let gzip, !(1...9).contains(gzip) { throw ValidationError("--gzip must be 1…9, got \(gzip)") }
    }

    func run() throws {
        let count = synthetic!
        let faces = SyntheticFaces(seed: seed, size: size)
        let progress = ProgressLine("prepare \(out)", total: count)
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        var done = 0
        var paths: [String] = []
        for shard in 0..<shards {
            let range = (count * shard / shards)..<(count * (shard + 1) / shards)
            let path = ImageShardFormat.shardPath(out, index: shard, count: shards)
            let writer = try ImageShardWriter(path: path, count: range.count, height: size, width: size, gzipLevel: gzip)
            for index in range {
                try pixels.withUnsafeMutableBufferPointer { buffer in
                    faces.render(index, into: buffer)
                    try writer.write(UnsafeBufferPointer(buffer), at: index - range.lowerBound)
                }
                done += 1
                progress.update(done)
            }
            try writer.commit()
            paths.append(path)
        }
        print("wrote \(count) synthetic \(size)×\(size) faces to \(paths.joined(separator: ", "))")
    }
}
