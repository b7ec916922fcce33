import Tensors

/// How a network's activation gradients get memory.
public enum GradientMemory: Sendable {
    /// Gradients whose lifetimes in backward do not overlap share memory (the default).
    case byLifetime
    /// Every feature map keeps a gradient of its own for the whole step, readable after
    /// backward: the simple layout, for checking the planned one and for debugging.
    case onePerMap
}

/// Where each activation gradient of a network lives in its gradient arena, planned by lifetime.
///
/// Backward runs the layers in reverse, each reading the gradients of its outputs and
/// accumulating into those of its inputs (`Layer.gradientMaps`). A map's gradient is needed
/// only from the first backward layer that touches it to the last, so gradients whose
/// lifetimes do not overlap can share memory: each gets the lowest range of the arena that no
/// gradient live at the same time holds (first fit), and is zeroed just before the layer that
/// first touches it. Exposed gradients — network inputs and outputs, maps a loss writes before
/// backward or a trainer reads after it — live for the whole step; `NetworkMemory`'s
/// `zeroActivationGradients()` zeroes them. Feature maps of a network are mostly a chain, so
/// the arena holds a few maps' worth instead of one gradient per activation.
public struct GradientPlan: Sendable {
    /// One planned gradient.
    public struct Gradient: Sendable {
        /// The activation layout's key of the map.
        public let key: String
        /// Where the gradient lives in the gradient arena.
        public let slot: Slot
        /// The backward steps (0 is the last layer's backward) it lives through, inclusive;
        /// an exposed gradient spans the whole step, −1 … layer count.
        public let lifetime: ClosedRange<Int>
    }

    /// Every planned gradient, in activation-layout order.
    public let gradients: [Gradient]
    /// Floats the gradient arena needs.
    public let elementCount: Int
    /// The most gradient floats alive at one step: the floor any packing could reach.
    public let peakLiveCount: Int
    /// The gradient arena offset of each activation-layout entry; −1 where it has no gradient
    /// (saved values, maps no backward touches).
    let offsets: [Int]
    /// Whether each activation-layout entry's gradient is exposed (readable from outside).
    let isExposed: [Bool]
    /// The gradients whose lifetime starts at each layer's backward, by forward layer index:
    /// zeroed just before it runs, since backward accumulates.
    let zeroedBefore: [[Slot]]
    /// The exposed gradients, zeroed once per step before a loss writes them.
    let exposed: [Slot]

    /// Plans the gradients of `activations`' maps for `layers` (in forward order), with
    /// `exposed` (activation-layout indices) alive for the whole step.
    init(layers: [any Layer], activations: Layout, exposed exposedIndices: Set<Int>, memory: GradientMemory) {
        let entryCount = activations.entries.count
        let stepCount = layers.count
        var first = [Int](repeating: .max, count: entryCount)
        var last = [Int](repeating: .min, count: entryCount)
        for (step, layer) in layers.reversed().enumerated() {
            for map in layer.gradientMaps {
                first[map.index] = min(first[map.index], step)
                last[map.index] = max(last[map.index], step)
            }
        }
        for index in 0..<entryCount
        where exposedIndices.contains(index) || (memory == .onePerMap && first[index] != .max) {
            (first[index], last[index]) = (-1, stepCount)
        }

        // Largest first, each at the lowest offset clear of every gradient already placed
        // whose lifetime overlaps its own (greedy by size: within a few percent of the most
        // floats alive at once, where placing in order of lifetime fragments more).
        let planned = (0..<entryCount).filter { first[$0] != .max }.sorted {
            let (a, b) = (activations.entries[$0].slot.count, activations.entries[$1].slot.count)
            return (-a, first[$0], $0) < (-b, first[$1], $1)
        }
        var placed: [(slot: Slot, first: Int, last: Int)] = []
        var offsets = [Int](repeating: -1, count: entryCount)
        var elementCount = 0
        for index in planned {
            let count = activations.entries[index].slot.count
            let conflicts = placed.filter { $0.first <= last[index] && first[index] <= $0.last }
                .map(\.slot).sorted { $0.offset < $1.offset }
            var offset = 0
            for slot in conflicts where slot.offset < offset + count {
                offset = max(offset, Layout.aligned(slot.end))
            }
            placed.append((Slot(offset: offset, count: count), first[index], last[index]))
            offsets[index] = offset
            elementCount = max(elementCount, offset + count)
        }

        var zeroedBefore = [[Slot]](repeating: [], count: stepCount)
        var gradients: [Gradient] = []
        for index in 0..<entryCount where offsets[index] >= 0 {
            let slot = Slot(offset: offsets[index], count: activations.entries[index].slot.count)
            gradients.append(Gradient(key: activations.entries[index].key, slot: slot,
                                      lifetime: first[index]...last[index]))
            if first[index] >= 0 { zeroedBefore[stepCount - 1 - first[index]].append(slot) }
        }
        self.gradients = gradients
        peakLiveCount = (-1...stepCount).map { step in
            gradients.reduce(0) { $0 + ($1.lifetime.contains(step) ? $1.slot.count : 0) }
        }.max() ?? 0
        self.elementCount = elementCount
        self.offsets = offsets
        isExposed = (0..<entryCount).map { first[$0] == -1 }
        self.zeroedBefore = zeroedBefore
        exposed = gradients.filter { $0.lifetime.lowerBound == -1 }.map(\.slot)
    }
}
