import Tensors

/// Memory for blocks that are each needed only for a range of steps: blocks whose lifetimes do
/// not overlap share memory. The largest block goes first, each at the lowest aligned offset
/// clear of every block already placed whose lifetime overlaps its own (first fit; greedy by
/// size comes within a few percent of the most floats alive at once, where placing in order of
/// lifetime fragments more). Shared by `GradientPlan` (backward steps) and `ActivationPlan`
/// (forward steps).
struct LifetimePacking {
    /// Each block's offset; −1 for a block without a lifetime (it needs no memory).
    let offsets: [Int]
    /// Floats the blocks need in all.
    let elementCount: Int
    /// The most floats alive at one step: the floor any packing could reach.
    let peakLiveCount: Int

    /// Packs blocks of `counts` floats alive over `lifetimes` (inclusive steps; nil: no memory).
    init(counts: [Int], lifetimes: [ClosedRange<Int>?]) {
        precondition(counts.count == lifetimes.count, "LifetimePacking: \(counts.count) counts, \(lifetimes.count) lifetimes")
        let planned = counts.indices.filter { lifetimes[$0] != nil }.sorted {
            (-counts[$0], lifetimes[$0]!.lowerBound, $0) < (-counts[$1], lifetimes[$1]!.lowerBound, $1)
        }
        var placed: [(slot: Slot, lifetime: ClosedRange<Int>)] = []
        var offsets = [Int](repeating: -1, count: counts.count)
        var elementCount = 0
        for index in planned {
            let (count, lifetime) = (counts[index], lifetimes[index]!)
            let conflicts = placed.filter { $0.lifetime.overlaps(lifetime) }.map(\.slot).sorted { $0.offset < $1.offset }
            var offset = 0
            for slot in conflicts where slot.offset < offset + count {
                offset = max(offset, Layout.aligned(slot.end))
            }
            placed.append((Slot(offset: offset, count: count), lifetime))
            offsets[index] = offset
            elementCount = max(elementCount, offset + count)
        }
        self.offsets = offsets
        self.elementCount = elementCount
        peakLiveCount = Self.peakLiveCount(counts: counts, lifetimes: lifetimes)
    }

    /// The most floats of blocks of `counts` alive over `lifetimes` at one step.
    static func peakLiveCount(counts: [Int], lifetimes: [ClosedRange<Int>?]) -> Int {
        let steps = lifetimes.compactMap { $0 }
        guard let first = steps.map(\.lowerBound).min(), let last = steps.map(\.upperBound).max() else { return 0 }
        return (first...last).map { step in
            counts.indices.reduce(0) { $0 + (lifetimes[$1]?.contains(step) == true ? counts[$1] : 0) }
        }.max() ?? 0
    }
}
