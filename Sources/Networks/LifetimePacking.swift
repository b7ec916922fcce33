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
        let firstStep = lifetimes.compactMap { $0?.lowerBound }.min() ?? 0
        let endStep = (lifetimes.compactMap { $0?.upperBound }.max() ?? -1) + 1
        peakLiveCount = (firstStep..<endStep).map { step in
            counts.indices.reduce(0) { $0 + (lifetimes[$1]?.contains(step) == true ? counts[$1] : 0) }
        }.max() ?? 0
    }

    /// For each of `entryCount` activation-layout entries, the steps from the first to the last
    /// of `layers` (step i is the i-th layer) that lists it in its `featureMaps`; nil if none does.
    static func lifetimes(of layers: some Sequence<any Layer>, entryCount: Int) -> [ClosedRange<Int>?] {
        var lifetimes = [ClosedRange<Int>?](repeating: nil, count: entryCount)
        for (step, layer) in layers.enumerated() {
            for map in layer.featureMaps {
                lifetimes[map.index] = lifetimes[map.index].map { min($0.lowerBound, step)...max($0.upperBound, step) }
                    ?? step...step
            }
        }
        return lifetimes
    }
}
