import Datasets
import Foundation
import Imaging
import Testing

/// What one `next` call delivered.
private struct Delivered: Equatable, CustomStringConvertible {
    let info: BatchLoader.BatchInfo
    /// LR-up and HR of the rank's batch, as bit patterns (so the comparison is bitwise).
    let lowResolution: [UInt32]
    let highResolution: [UInt32]

    static func == (a: Delivered, b: Delivered) -> Bool {
        a.info.step == b.info.step && a.info.location == b.info.location
            && a.lowResolution == b.lowResolution && a.highResolution == b.highResolution
    }

    var description: String { "step \(info.step) (\(info.location)), \(lowResolution.count) + \(highResolution.count) floats" }
}

/// The SPARNet transform, or SPARNetHD's degradation with every stage on, at 32².
private func transform(_ kind: String) throws -> any SampleTransform {
    if kind == "sparnet" { return try SPARNetSample(size: 32) }
    var settings = DegradationSettings()
    settings.downsample = (4.0 / 32)...(16.0 / 32)
    settings.blur.probability = 1
    settings.noise.probability = 1
    settings.jpeg.probability = 1
    return SPARNetHDDegradation(size: 32, settings: settings)
}

/// Fails on one particular image, otherwise SPARNet's transform.
private struct PoisonedTransform: SampleTransform {
    let size = 32
    let poisoned: RGBImage

    func images(from image: RGBImage, random: inout SampleRandom) throws -> SampleImages {
        if image == poisoned { throw DatasetError("the poisoned image") }
        return try SPARNetSample(size: size).images(from: image, random: &random)
    }
}

/// What a test's helper thread left for the test to check, written before it signals.
private final class Outcome: @unchecked Sendable {
    var error: (any Error)?
}

@Suite(.timeLimit(.minutes(2))) struct BatchLoaderTests {
    private let seed: UInt64 = 21
    private let planeCount = 3 * 32 * 32

    /// 20 faces of 32² in shards of 7, 7 and 6; a batch of 4 gives 5 steps per epoch.
    private func faces() throws -> (TemporaryDirectory, ImageDataset, EpochOrder) {
        let directory = try TemporaryDirectory()
        let paths = try writeFaceShards(in: directory, counts: [7, 7, 6], size: 32)
        return (directory, try ImageDataset(paths: paths), try EpochOrder(count: 20, globalBatch: 4, seed: seed))
    }

    private func deliver(_ loader: BatchLoader, steps: Int) throws -> [Delivered] {
        let low = FloatBuffer(loader.localBatch * planeCount), high = FloatBuffer(loader.localBatch * planeCount)
        return try (0..<steps).map { _ in
            let start = DispatchTime.now().uptimeNanoseconds
            let info = try loader.next(lowResolution: low.pointer, highResolution: high.pointer)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            #expect((0...elapsed).contains(info.waitSeconds), "waited \(info.waitSeconds) s of a call that took \(elapsed) s")
            return Delivered(info: info, lowResolution: low.values.map(\.bitPattern), highResolution: high.values.map(\.bitPattern))
        }
    }

    private func part(_ values: [UInt32], _ range: Range<Int>) -> [UInt32] {
        Array(values[(range.lowerBound * planeCount)..<(range.upperBound * planeCount)])
    }

    @Test(arguments: ["sparnet", "sparnethd"])
    func aSampleIsTheSameWhateverTheWorkersAndTheRank(kind: String) throws {
        let (directory, dataset, order) = try faces()
        defer { withExtendedLifetime(directory) {} }
        let transform = try transform(kind)
        func loader(rank: Int, worldSize: Int, workers: Int, depth: Int = 2) throws -> BatchLoader {
            try BatchLoader(dataset: dataset, transform: transform, order: order, rank: rank, worldSize: worldSize,
                            globalBatch: 4, workers: workers, queueDepth: depth)
        }
        let steps = 12
        let single = try deliver(loader(rank: 0, worldSize: 1, workers: 1), steps: steps)
        #expect(try deliver(loader(rank: 0, worldSize: 1, workers: 3, depth: 3), steps: steps) == single)
        let second = try deliver(loader(rank: 1, worldSize: 2, workers: 2), steps: steps)
        let first = try deliver(loader(rank: 0, worldSize: 2, workers: 1, depth: 1), steps: steps)
        for step in 0..<steps {
            #expect(single[step].info.step == step && single[step].info.location == order.location(ofStep: step))
            let firstHalf = first[step].lowResolution == part(single[step].lowResolution, 0..<2)
                && first[step].highResolution == part(single[step].highResolution, 0..<2)
            let secondHalf = second[step].lowResolution == part(single[step].lowResolution, 2..<4)
                && second[step].highResolution == part(single[step].highResolution, 2..<4)
            #expect(firstHalf, "rank 0 of 2 differs from samples 0–1 of rank 0 of 1 at step \(step)")
            #expect(secondHalf, "rank 1 of 2 differs from samples 2–3 of rank 0 of 1 at step \(step)")
            #expect(second[step].info.location == single[step].info.location)
        }
        // And each sample is the transform keyed by (seed, epoch, dataset index), nothing else.
        let low = FloatBuffer(planeCount), high = FloatBuffer(planeCount)
        for step in [0, 6, 11] {
            let epoch = order.location(ofStep: step).epoch
            for (offset, sample) in order.samples(step: step).enumerated() {
                var random = SampleRandom(seed: seed, epoch: epoch, sample: sample)
                try transform.write(syntheticFace(sample, size: 32), random: &random,
                                    lowResolutionUp: low.pointer, highResolution: high.pointer)
                let same = low.values.map(\.bitPattern) == part(single[step].lowResolution, offset..<(offset + 1))
                    && high.values.map(\.bitPattern) == part(single[step].highResolution, offset..<(offset + 1))
                #expect(same, "sample \(sample) at step \(step) is not the transform keyed by (seed, epoch \(epoch), \(sample))")
            }
        }
    }

    @Test func resumingFromASavedLocationDeliversTheSameBatches() throws {
        let (directory, dataset, order) = try faces()
        defer { withExtendedLifetime(directory) {} }
        let transform = try SPARNetSample(size: 32)
        let uninterrupted = try deliver(BatchLoader(dataset: dataset, transform: transform, order: order, rank: 1, worldSize: 2,
                                                    globalBatch: 4, workers: 2), steps: 13)
        let saved = uninterrupted[7].info.location
        let resumed = try BatchLoader(dataset: dataset, transform: transform, order: order, rank: 1, worldSize: 2,
                                      globalBatch: 4, startStep: try order.step(at: saved), workers: 2)
        #expect(try deliver(resumed, steps: 6) == Array(uninterrupted[7...]))
    }

    @Test func aFailingSampleIsThrownNamingItsFileAndStep() throws {
        let (directory, dataset, order) = try faces()
        defer { withExtendedLifetime(directory) {} }
        // The second sample of step 2; shards hold faces 0–6, 7–13, 14–19.
        let poisonedStep = 2, poisoned = order.samples(step: 2)[1]
        let (shard, indexInFile) = (poisoned / 7, poisoned % 7)
        let transform = PoisonedTransform(poisoned: syntheticFace(poisoned, size: 32))
        let loader = try BatchLoader(dataset: dataset, transform: transform, order: order, rank: 0, worldSize: 1,
                                     globalBatch: 4, workers: 3, queueDepth: 3)
        let good = try deliver(loader, steps: poisonedStep)
        #expect(good.count == poisonedStep)
        let low = FloatBuffer(4 * planeCount), high = FloatBuffer(4 * planeCount)
        for _ in 0..<2 {
            do {
                _ = try loader.next(lowResolution: low.pointer, highResolution: high.pointer)
                Issue.record("step \(poisonedStep) should have failed")
            } catch let error as BatchLoaderError {
                #expect(error.sample == poisoned && error.indexInFile == indexInFile && error.step == poisonedStep && error.epoch == 0)
                #expect(error.file == directory.file("faces-\(shard).h5"))
                #expect(error.description.contains("sample \(poisoned) ") && error.description.contains("faces-\(shard).h5")
                        && error.description.contains("the poisoned image"), "\(error)")
            }
        }
    }

    @Test func anUnreadableChunkIsThrownNamingItsFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("noise.h5")
        let writer = try ImageShardWriter(path: path, count: 12, height: 32, width: 32, gzipLevel: 6)
        for i in 0..<12 { try noiseImage(width: 32, height: 32, seed: UInt64(i)).withUnsafePixels { try writer.write($0, at: i) } }
        try writer.commit()
        // Noise does not compress, so the middle of the file is compressed chunk data: garble it.
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size * 2 / 5)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: Int(size / 5)))
        try handle.close()

        let dataset = try ImageDataset(paths: [path])
        var bytes = [UInt8](repeating: 0, count: dataset.imageByteCount)
        let unreadable = (0..<12).filter { index in
            bytes.withUnsafeMutableBufferPointer { (try? dataset.read(index, into: $0)) == nil }
        }
        #expect(!unreadable.isEmpty)
        let loader = try BatchLoader(dataset: dataset, transform: try SPARNetSample(size: 32),
                                     order: try EpochOrder(count: 12, globalBatch: 12, seed: 1), rank: 0, worldSize: 1,
                                     globalBatch: 12, workers: 2)
        let low = FloatBuffer(12 * planeCount), high = FloatBuffer(12 * planeCount)
        #expect {
            _ = try loader.next(lowResolution: low.pointer, highResolution: high.pointer)
        } throws: { error in
            guard let error = error as? BatchLoaderError else { return false }
            return unreadable.contains(error.sample) && error.file == path && error.indexInFile == error.sample
        }
    }

    @Test func releasingTheLoaderStopsItsWorkers() throws {
        let (directory, dataset, order) = try faces()
        defer { withExtendedLifetime(directory) {} }
        let transform = try transform("sparnethd"), planeCount = planeCount
        for taken in [0, 1, 3] {
            // Built, read and released on a thread of its own, so a worker that never stops
            // (release waits for them all) fails the test after the deadline instead of hanging it.
            let outcome = Outcome()
            let finished = DispatchSemaphore(value: 0)
            Thread {
                do {
                    let loader = try BatchLoader(dataset: dataset, transform: transform, order: order, rank: 0,
                                                 worldSize: 1, globalBatch: 4, workers: 3, queueDepth: 2)
                    let low = FloatBuffer(loader.localBatch * planeCount), high = FloatBuffer(loader.localBatch * planeCount)
                    for _ in 0..<taken { _ = try loader.next(lowResolution: low.pointer, highResolution: high.pointer) }
                } catch {
                    outcome.error = error
                }
                finished.signal()
            }.start()
            let inTime = finished.wait(timeout: .now() + 30) == .success
            #expect(inTime, "a loader that delivered \(taken) steps was not built, read and released within 30 s")
            if inTime, let error = outcome.error { throw error }
        }
    }

    @Test func inconsistentArgumentsAreRejected() throws {
        let (directory, dataset, order) = try faces()
        defer { withExtendedLifetime(directory) {} }
        let transform = try SPARNetSample(size: 32)
        #expect(throws: DatasetError.self) {
            try BatchLoader(dataset: dataset, transform: transform, order: order, rank: 0, worldSize: 3, globalBatch: 4)
        }
        #expect(throws: DatasetError.self) {
            try BatchLoader(dataset: dataset, transform: transform, order: order, rank: 2, worldSize: 2, globalBatch: 4)
        }
        #expect(throws: DatasetError.self) {
            try BatchLoader(dataset: dataset, transform: transform, order: order, rank: 0, worldSize: 1, globalBatch: 8)
        }
        #expect(throws: DatasetError.self) {
            try BatchLoader(dataset: dataset, transform: transform, order: try EpochOrder(count: 19, globalBatch: 4, seed: 0),
                            rank: 0, worldSize: 1, globalBatch: 4)
        }
        #expect(throws: DatasetError.self) {
            try BatchLoader(dataset: dataset, transform: try SPARNetSample(size: 64), order: order, rank: 0, worldSize: 1, globalBatch: 4)
        }
        #expect(throws: DatasetError.self) {
            try BatchLoader(dataset: dataset, transform: transform, order: order, rank: 0, worldSize: 1, globalBatch: 4, workers: 0)
        }
    }
}
