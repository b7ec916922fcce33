/// Which samples each global step and each rank take (DESIGN.md §5): one permutation of the
/// dataset per epoch, a pure function of (seed, epoch) (Fisher–Yates on a `SampleRandom`);
/// global step s takes the positions [s·B, (s+1)·B) of the concatenated epochs, and rank r of
/// W takes the contiguous part [r·B/W, (r+1)·B/W) of that batch.
///
/// An epoch holds `stepsPerEpoch = count / B` whole batches; its last `count mod B` positions
/// are dropped, as PyTorch's `DataLoader(drop_last=True)`, so a step never straddles two
/// epochs and every epoch starts at position 0. (Each epoch drops different samples, as its
/// permutation differs.)
public struct EpochOrder: Sendable, Equatable {
    /// Samples in the dataset.
    public let count: Int
    /// Samples per global step, over all ranks.
    public let globalBatch: Int
    /// Seed of the permutations (and, in `BatchLoader`, of every sample's random choices).
    public let seed: UInt64

    /// - Throws: `DatasetError` unless 0 < `globalBatch` ≤ `count`.
    public init(count: Int, globalBatch: Int, seed: UInt64) throws {
        guard globalBatch > 0 else { throw DatasetError("the global batch must be positive, got \(globalBatch)") }
        guard count >= globalBatch else {
            throw DatasetError("a global batch of \(globalBatch) needs at least that many samples, the dataset holds \(count)")
        }
        self.count = count
        self.globalBatch = globalBatch
        self.seed = seed
    }

    /// Whole global batches in one epoch.
    public var stepsPerEpoch: Int { count / globalBatch }

    /// Samples of each epoch's permutation that no step takes.
    public var droppedPerEpoch: Int { count % globalBatch }

    /// The dataset indices in the order epoch `epoch` visits them (a permutation of 0..<count).
    public func permutation(epoch: Int) -> [Int] {
        precondition(epoch >= 0, "EpochOrder: epoch \(epoch) is negative")
        var order = Array(0..<count)
        var random = SampleRandom(domain: .epochOrder, seed: seed, epoch: epoch, index: 0)
        var i = count - 1
        while i > 0 {
            order.swapAt(i, random.integer(in: 0...i))
            i -= 1
        }
        return order
    }

    /// The epoch and the position in it of global step `step`'s first sample.
    public func location(ofStep step: Int) -> EpochLocation {
        precondition(step >= 0, "EpochOrder: step \(step) is negative")
        return EpochLocation(epoch: step / stepsPerEpoch, position: (step % stepsPerEpoch) * globalBatch)
    }

    /// The global step that starts at `location`, to resume a run from a saved (epoch, position).
    /// - Throws: `DatasetError` if the position is not the start of a step of this order.
    public func step(at location: EpochLocation) throws -> Int {
        guard location.epoch >= 0, location.position >= 0 else {
            throw DatasetError("cannot resume at epoch \(location.epoch), position \(location.position): negative")
        }
        guard location.position % globalBatch == 0, location.position / globalBatch <= stepsPerEpoch else {
            throw DatasetError("cannot resume at epoch \(location.epoch), position \(location.position): steps of "
                               + "\(globalBatch) start at multiples of \(globalBatch) below \(stepsPerEpoch * globalBatch)")
        }
        // The position just past the last whole batch is the next epoch's start.
        return location.epoch * stepsPerEpoch + location.position / globalBatch
    }

    /// The offsets, within a global batch, that rank `rank` of `worldSize` takes.
    public func rankOffsets(rank: Int, worldSize: Int) -> Range<Int> {
        precondition(worldSize > 0 && (0..<worldSize).contains(rank),
                     "EpochOrder: rank \(rank) of world size \(worldSize)")
        precondition(globalBatch % worldSize == 0,
                     "EpochOrder: global batch \(globalBatch) does not divide among \(worldSize) ranks")
        let share = globalBatch / worldSize
        return rank * share ..< (rank + 1) * share
    }

    /// The dataset indices rank `rank` of `worldSize` takes at global step `step`, in batch
    /// order (computes the epoch's permutation: for tests and tools, not per step).
    public func samples(step: Int, rank: Int = 0, worldSize: Int = 1) -> [Int] {
        let location = location(ofStep: step)
        let order = permutation(epoch: location.epoch)
        return rankOffsets(rank: rank, worldSize: worldSize).map { order[location.position + $0] }
    }
}

/// A point in the sample order: the epoch and the position within its permutation.
public struct EpochLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    public var epoch: Int
    public var position: Int

    public init(epoch: Int, position: Int) {
        self.epoch = epoch
        self.position = position
    }

    public var description: String { "epoch \(epoch) position \(position)" }
}
