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
/// accumulating into those of its inputs (`Layer.featureMaps`). A map's gradient is needed
/// only from the first backward layer that touches it to the last, so gradients whose
/// lifetimes do not overlap share memory (`LifetimePacking`), each zeroed just before the
/// layer that first touches it. Exposed gradients — network inputs and outputs, maps a loss
/// writes before backward or a trainer reads after it — live for the whole step; `NetworkMemory`'s
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
        var lifetimes = LifetimePacking.lifetimes(of: layers.reversed(), entryCount: entryCount)
        for index in 0..<entryCount
        where exposedIndices.contains(index) || (memory == .onePerMap && lifetimes[index] != nil) {
            lifetimes[index] = -1...stepCount
        }

        let packing = LifetimePacking(counts: activations.entries.map(\.slot.count), lifetimes: lifetimes)
        let offsets = packing.offsets

        var zeroedBefore = [[Slot]](repeating: [], count: stepCount)
        var gradients: [Gradient] = []
        for index in 0..<entryCount {
            guard let lifetime = lifetimes[index] else { continue }
            let slot = Slot(offset: offsets[index], count: activations.entries[index].slot.count)
            gradients.append(Gradient(key: activations.entries[index].key, slot: slot, lifetime: lifetime))
            if lifetime.lowerBound >= 0 { zeroedBefore[stepCount - 1 - lifetime.lowerBound].append(slot) }
        }
        self.gradients = gradients
        peakLiveCount = packing.peakLiveCount
        elementCount = packing.elementCount
        self.offsets = offsets
        isExposed = lifetimes.map { $0?.lowerBound == -1 }
        self.zeroedBefore = zeroedBefore
        exposed = gradients.filter { $0.lifetime.lowerBound == -1 }.map(\.slot)
    }
}
