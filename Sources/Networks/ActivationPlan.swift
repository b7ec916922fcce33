import Tensors

/// How a network built without gradients lays out its activations.
public enum ActivationMemory: Sendable {
    /// Activations whose lifetimes in forward do not overlap share memory (the default).
    case byLifetime
    /// Every activation and saved value keeps the place its layout gives it for the whole
    /// pass: the layout of memory with gradients, for checking the planned one and debugging.
    case onePerMap
}

/// Where each activation and saved value of a network lives in its activation arena.
///
/// With gradients, backward reads the activations of the forward it follows, so every entry
/// keeps its place in the activation layout for the whole step. Without them (inference) an
/// activation is needed only from the layer that writes it to the last layer that reads it
/// (`Layer.featureMaps`), and a saved value only while the layer that registered it runs: entries
/// whose lifetimes do not overlap share memory (`LifetimePacking`). Exposed activations —
/// network inputs and outputs, maps a caller reads after the forward
/// (`NetworkBuilder.exposeActivation`, `exposeGradient`) — live for the whole pass.
public struct ActivationPlan: Sendable {
    /// One planned activation or saved value.
    public struct Activation: Sendable {
        /// The activation layout's key.
        public let key: String
        /// Where it lives in the activation arena.
        public let slot: Slot
        /// The forward steps (layer indices) it lives through, inclusive; an entry that lives
        /// the whole pass spans −1 … layer count.
        public let lifetime: ClosedRange<Int>
    }

    /// Every entry of the activation layout, in its order.
    public let activations: [Activation]
    /// Floats the activation arena needs.
    public let elementCount: Int
    /// The most activation floats alive at one step: the floor any packing could reach.
    public let peakLiveCount: Int
    /// The arena offset of each activation-layout entry.
    let offsets: [Int]
    /// Whether each activation-layout entry lives the whole pass (readable from outside).
    let isExposed: [Bool]

    /// Plans the activations of `builder`'s network: one place per entry for the whole pass
    /// with `gradients` or `.onePerMap`, by lifetime otherwise.
    init(_ builder: NetworkBuilder, gradients: Bool, memory: ActivationMemory) {
        let entries = builder.activations.entries
        let counts = entries.map(\.slot.count)
        let wholePass = -1...builder.layers.count
        var lifetimes = [ClosedRange<Int>](repeating: wholePass, count: entries.count)
        if !gradients && memory == .byLifetime {
            let uses = LifetimePacking.lifetimes(of: builder.layers, entryCount: entries.count)
            // An entry registered after the last layer has no owner and keeps the whole pass.
            for index in entries.indices where !builder.exposedActivations.contains(index) {
                guard let owner = builder.activationOwners[index] else { continue }
                let used = uses[index] ?? owner...owner
                lifetimes[index] = min(owner, used.lowerBound)...max(owner, used.upperBound)
            }
        }
        let planned = lifetimes.allSatisfy { $0 == wholePass } ? nil : LifetimePacking(counts: counts, lifetimes: lifetimes)
        let offsets = planned?.offsets ?? entries.map(\.slot.offset)
        activations = entries.indices.map {
            Activation(key: entries[$0].key, slot: Slot(offset: offsets[$0], count: counts[$0]), lifetime: lifetimes[$0])
        }
        self.offsets = offsets
        elementCount = planned?.elementCount ?? builder.activations.elementCount
        peakLiveCount = planned?.peakLiveCount ?? counts.reduce(0, +)
        isExposed = lifetimes.map { $0 == wholePass }
    }
}
