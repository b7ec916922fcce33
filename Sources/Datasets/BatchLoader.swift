import Dispatch
import Foundation
import HDF5
import Imaging

/// Prepares this rank's next batches on background threads while the current step computes.
///
/// Work is handed out sample by sample: a worker claims the next (step, sample) in order,
/// reads the image, runs the transform with the sample's own `SampleRandom(seed:epoch:sample:)`
/// and writes the two Float planes straight into the step's slot — one of `queueDepth`
/// preallocated batch slots, so at most `queueDepth` batches are ready or in progress. What a
/// sample holds depends only on (seed, epoch, dataset index), never on which worker or rank
/// made it. `next` waits for the current step's slot to fill, copies it once into the
/// trainer's buffers (the only copy; for SPARNet at 64×3×128² that is 2×12.6 MB, a few ms
/// against a step of seconds) and frees the slot for a later step.
///
/// A failing sample (a read error, a bad image) does not stop the workers; the step that
/// holds it throws a `BatchLoaderError` naming the sample, its file and the step from `next`,
/// on the caller's thread, and every later call throws it again. Releasing the loader stops
/// the workers (each finishes the sample in hand) and frees the slots.
public final class BatchLoader {
    /// What `next` delivered.
    public struct BatchInfo: Sendable, Equatable {
        /// The global step.
        public let step: Int
        /// The epoch and the position of the global step's first sample in it (save this to resume).
        public let location: EpochLocation
        /// Seconds `next` waited for the batch to be ready (0 when it already was).
        public let waitSeconds: Double

        /// The epoch.
        public var epoch: Int { location.epoch }
        /// The position of the global step's first sample in the epoch's permutation.
        public var position: Int { location.position }
    }

    /// Samples this rank takes per step (global batch / world size).
    public let localBatch: Int
    /// Floats of one image plane set (3·size²) in either output buffer per sample.
    public let sampleFloatCount: Int
    private let state: LoaderState

    /// Starts `workers` threads that prepare this rank's batches from step `startStep` on.
    ///
    /// - Parameters:
    ///   - order: the sample order; its `count` must be the dataset's and its `globalBatch`
    ///     `globalBatch`. Its seed also keys every sample's random choices.
    ///   - rank, worldSize: this rank takes offsets [rank·B/W, (rank+1)·B/W) of each global batch.
    ///   - startStep: the first global step (`order.step(at:)` of a saved location to resume).
    ///   - queueDepth: batch slots, i.e. how many steps may be ready or in progress at once.
    /// - Throws: `DatasetError` for inconsistent arguments, naming them; HDF5 errors reading
    ///   the shard sizes.
    public init(dataset: ImageDataset, transform: any SampleTransform, order: EpochOrder,
                rank: Int, worldSize: Int, globalBatch: Int, startStep: Int = 0,
                workers: Int = 2, queueDepth: Int = 2) throws {
        guard worldSize > 0, (0..<worldSize).contains(rank) else {
            throw DatasetError("BatchLoader: rank \(rank) is not in a world of \(worldSize)")
        }
        guard globalBatch == order.globalBatch else {
            throw DatasetError("BatchLoader: global batch \(globalBatch) but the order was built for \(order.globalBatch)")
        }
        guard globalBatch % worldSize == 0 else {
            throw DatasetError("BatchLoader: global batch \(globalBatch) does not divide among \(worldSize) ranks")
        }
        guard order.count == dataset.count else {
            throw DatasetError("BatchLoader: the order covers \(order.count) samples, the dataset holds \(dataset.count) (\(dataset.paths.joined(separator: ", ")))")
        }
        guard dataset.width == transform.size && dataset.height == transform.size else {
            throw DatasetError("BatchLoader: \(type(of: transform)) works on \(transform.size)×\(transform.size) images, the dataset holds \(dataset.height)×\(dataset.width)")
        }
        guard workers > 0, queueDepth > 0, startStep >= 0 else {
            throw DatasetError("BatchLoader: workers (\(workers)) and queueDepth (\(queueDepth)) must be positive, startStep (\(startStep)) not negative")
        }
        localBatch = globalBatch / worldSize
        sampleFloatCount = 3 * transform.size * transform.size
        var shardStarts: [Int] = [], total = 0
        for path in dataset.paths {
            shardStarts.append(total)
            total += try HDF5File(path: path).dataset(ImageShardFormat.imagesDataset).shape[0]
        }
        state = LoaderState(dataset: dataset, transform: transform, order: order,
                            rankOffset: order.rankOffsets(rank: rank, worldSize: worldSize).lowerBound,
                            localBatch: localBatch, sampleFloatCount: sampleFloatCount, queueDepth: queueDepth,
                            startStep: startStep, shardStarts: shardStarts, workers: workers)
        for worker in 0..<workers {
            let state = self.state
            let thread = Thread { state.work() }
            thread.name = "BatchLoader worker \(worker)"
            thread.start()
        }
    }

    deinit {
        state.stop()
    }

    /// Waits for the next step's batch and copies it into the caller's buffers, each
    /// `localBatch` × (3, size, size) Floats in [−1, 1] (`writeNormalized`), samples in batch order.
    /// - Parameters:
    ///   - lowResolution: receives the network input, LR-up (the LR image resized back to size).
    ///   - highResolution: receives the target, HR.
    /// - Throws: `BatchLoaderError` if a sample of this step failed (and from then on).
    public func next(lowResolution: UnsafeMutablePointer<Float>,
                     highResolution: UnsafeMutablePointer<Float>) throws -> BatchInfo {
        try state.next(lowResolution: lowResolution, highResolution: highResolution)
    }
}

/// A sample the loader could not prepare: which one, from which file, for which step, and why.
public struct BatchLoaderError: Error, CustomStringConvertible {
    /// The sample's global index in the dataset.
    public let sample: Int
    /// The shard file holding it.
    public let file: String
    /// Its index within that file.
    public let indexInFile: Int
    /// The global step and the epoch that needed it.
    public let step: Int
    public let epoch: Int
    /// The error reading or transforming it.
    public let underlying: any Error

    public var description: String {
        "sample \(sample) (image \(indexInFile) of \(file)) for step \(step), epoch \(epoch): \(underlying)"
    }
}

/// One batch slot: `localBatch` samples of LR-up and HR planes, and which step fills it.
private final class Slot {
    let lowResolution: UnsafeMutablePointer<Float>
    let highResolution: UnsafeMutablePointer<Float>
    /// The step this slot holds or is being filled for (−1: none yet).
    var step = -1
    var completed = 0
    var failure: BatchLoaderError?

    init(floatCount: Int) {
        lowResolution = .allocate(capacity: floatCount)
        highResolution = .allocate(capacity: floatCount)
        lowResolution.initialize(repeating: 0, count: floatCount)
        highResolution.initialize(repeating: 0, count: floatCount)
    }

    deinit {
        lowResolution.deallocate()
        highResolution.deallocate()
    }
}

/// The state the workers and the consumer share; every mutable field is guarded by `condition`.
private final class LoaderState: @unchecked Sendable {
    let condition = NSCondition()
    let dataset: ImageDataset
    let transform: any SampleTransform
    let order: EpochOrder
    let rankOffset: Int
    let localBatch: Int
    let sampleFloatCount: Int
    let queueDepth: Int
    let shardStarts: [Int]
    let slots: [Slot]
    /// The next sample a worker will take: step and offset within this rank's part.
    var claimStep: Int
    var claimOffset = 0
    /// The step `next` delivers next; slots of steps before it are free.
    var consumerStep: Int
    /// Permutations of the epochs being claimed (at most two: a step never straddles epochs).
    var permutations: [Int: [Int]] = [:]
    var failure: BatchLoaderError?
    var stopping = false
    var runningWorkers: Int

    init(dataset: ImageDataset, transform: any SampleTransform, order: EpochOrder, rankOffset: Int,
         localBatch: Int, sampleFloatCount: Int, queueDepth: Int, startStep: Int, shardStarts: [Int], workers: Int) {
        self.dataset = dataset
        self.transform = transform
        self.order = order
        self.rankOffset = rankOffset
        self.localBatch = localBatch
        self.sampleFloatCount = sampleFloatCount
        self.queueDepth = queueDepth
        self.shardStarts = shardStarts
        slots = (0..<queueDepth).map { _ in Slot(floatCount: localBatch * sampleFloatCount) }
        claimStep = startStep
        consumerStep = startStep
        runningWorkers = workers
    }

    /// A worker's loop: claim a sample, make it outside the lock, record it.
    func work() {
        condition.lock()
        while true {
            while !stopping && claimStep >= consumerStep + queueDepth { condition.wait() }
            if stopping { break }
            let step = claimStep, offset = claimOffset
            claimOffset += 1
            if claimOffset == localBatch {
                claimOffset = 0
                claimStep += 1
            }
            let slot = slots[step % queueDepth]
            if offset == 0 {
                slot.step = step
                slot.completed = 0
                slot.failure = nil
            }
            let location = order.location(ofStep: step)
            let sample = permutation(epoch: location.epoch)[location.position + rankOffset + offset]
            condition.unlock()

            let failure = make(sample: sample, epoch: location.epoch, step: step,
                               lowResolution: slot.lowResolution + offset * sampleFloatCount,
                               highResolution: slot.highResolution + offset * sampleFloatCount)

            condition.lock()
            if let failure, slot.failure.map({ failure.sample < $0.sample }) ?? true { slot.failure = failure }
            slot.completed += 1
            if slot.completed == localBatch { condition.broadcast() }
        }
        runningWorkers -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Reads and transforms one sample into the given planes; the error, if any.
    private func make(sample: Int, epoch: Int, step: Int, lowResolution: UnsafeMutablePointer<Float>,
                      highResolution: UnsafeMutablePointer<Float>) -> BatchLoaderError? {
        do {
            let image = try RGBImage(width: dataset.width, height: dataset.height) { try dataset.read(sample, into: $0) }
            var random = SampleRandom(seed: order.seed, epoch: epoch, sample: sample)
            try transform.write(image, random: &random, lowResolutionUp: lowResolution, highResolution: highResolution)
            return nil
        } catch {
            var shard = shardStarts.count - 1
            while shard > 0 && shardStarts[shard] > sample { shard -= 1 }
            return BatchLoaderError(sample: sample, file: dataset.paths[shard], indexInFile: sample - shardStarts[shard],
                                    step: step, epoch: epoch, underlying: error)
        }
    }

    /// The permutation of `epoch`, computed on first use; older epochs are dropped, as claims
    /// only move forward. Called with the lock held.
    private func permutation(epoch: Int) -> [Int] {
        if let cached = permutations[epoch] { return cached }
        let computed = order.permutation(epoch: epoch)
        permutations = permutations.filter { $0.key >= epoch }
        permutations[epoch] = computed
        return computed
    }

    func next(lowResolution: UnsafeMutablePointer<Float>,
              highResolution: UnsafeMutablePointer<Float>) throws -> BatchLoader.BatchInfo {
        condition.lock()
        if let failure {
            condition.unlock()
            throw failure
        }
        let step = consumerStep
        let slot = slots[step % queueDepth]
        var waitSeconds = 0.0
        if !(slot.step == step && slot.completed == localBatch) {
            let start = DispatchTime.now().uptimeNanoseconds
            while !(slot.step == step && slot.completed == localBatch) { condition.wait() }
            waitSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        if let failure = slot.failure {
            self.failure = failure
            condition.unlock()
            throw failure
        }
        condition.unlock()
        // The slot stays ours until consumerStep moves past it.
        lowResolution.update(from: slot.lowResolution, count: localBatch * sampleFloatCount)
        highResolution.update(from: slot.highResolution, count: localBatch * sampleFloatCount)
        condition.lock()
        consumerStep += 1
        condition.broadcast()
        condition.unlock()
        return BatchLoader.BatchInfo(step: step, location: order.location(ofStep: step), waitSeconds: waitSeconds)
    }

    /// Stops the workers and waits until every one has left its loop.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while runningWorkers > 0 { condition.wait() }
        condition.unlock()
    }
}
