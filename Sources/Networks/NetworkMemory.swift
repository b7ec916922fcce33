import Tensors

/// Every arena of one built network: parameters with their gradients (one layout, so the
/// optimizer is one loop and the allreduce one call), buffers, activations, their gradients
/// (planned by lifetime, see `GradientPlan`), and shared scratch. Allocated once; a step
/// allocates nothing.
public final class NetworkMemory {
    public let parameterLayout: Layout
    public let bufferLayout: Layout
    /// Every feature map and saved value, in the order layers registered them (forward order).
    public let activationLayout: Layout
    /// Every parameter and buffer in `state_dict` order.
    public let state: [StateEntry]
    public let parameters: Arena
    public let parameterGradients: Arena
    public let buffers: Arena
    public let activations: Arena
    /// Where each activation gradient lives; nil for inference-only memory.
    public let gradientPlan: GradientPlan?
    /// The activation gradients, laid out by `gradientPlan`: read and write them through
    /// `gradient(_:)` (outside a network) or `Pass.gradient(_:)` (inside a layer).
    let activationGradients: Arena
    /// `gradientPlan`'s offsets by activation-layout index, for `Pass` (−1: no gradient).
    private let gradientOffsets: UnsafeMutablePointer<Int>
    public let scratch: Arena
    /// Per-channel sums of synchronized BatchNorm (2·C + 1 Doubles for the widest norm).
    let statisticsScratch: UnsafeMutablePointer<Double>
    private let statisticsScratchCount: Int
    /// When set, BatchNorm in training normalizes with statistics summed over every replica
    /// (synchronized BatchNorm); when nil, each process uses its own batch (as DDP by default).
    public var replicaStatistics: (any ReplicaStatistics)?

    /// Whether gradient arenas exist; inference-only memory has none.
    public let hasGradients: Bool

    /// With `shared`, parameters, their gradients and buffers are `shared`'s arenas (one
    /// network run several times per step with coexisting activations, as SPARNetHD's
    /// discriminator on real, detached fake and fake images); the layouts must be identical.
    init(_ builder: NetworkBuilder, gradients: Bool, gradientMemory: GradientMemory,
         sharing shared: NetworkMemory? = nil) {
        parameterLayout = builder.parameters
        bufferLayout = builder.buffers
        activationLayout = builder.activations
        state = builder.state
        hasGradients = gradients
        if let shared {
            precondition(shared.state == builder.state && shared.parameterLayout.elementCount == builder.parameters.elementCount
                         && shared.bufferLayout.elementCount == builder.buffers.elementCount,
                         "NetworkMemory: sharing state between networks of different layouts")
            precondition(!gradients || shared.hasGradients, "NetworkMemory: sharing state without gradients")
            parameters = shared.parameters
            parameterGradients = gradients ? shared.parameterGradients : Arena(count: 0)
            buffers = shared.buffers
        } else {
            parameters = Arena(builder.parameters)
            parameterGradients = gradients ? Arena(builder.parameters) : Arena(count: 0)
            buffers = Arena(builder.buffers)
        }
        activations = Arena(builder.activations)
        let plan = gradients
            ? GradientPlan(layers: builder.layers, activations: builder.activations,
                           exposed: builder.exposedGradients, memory: gradientMemory)
            : nil
        gradientPlan = plan
        activationGradients = Arena(count: plan?.elementCount ?? 0)
        let entryCount = builder.activations.entries.count
        gradientOffsets = .allocate(capacity: max(entryCount, 1))
        gradientOffsets.initialize(repeating: -1, count: max(entryCount, 1))
        if let plan { gradientOffsets.update(from: plan.offsets, count: entryCount) }
        scratch = Arena(count: builder.scratchCount)
        statisticsScratchCount = max(builder.statisticsScratchCount, 1)
        statisticsScratch = .allocate(capacity: statisticsScratchCount)
        statisticsScratch.initialize(repeating: 0, count: statisticsScratchCount)
    }

    deinit {
        statisticsScratch.deallocate()
        gradientOffsets.deallocate()
    }

    /// Number of trainable parameters (PyTorch's `sum(p.numel() for p in parameters())`).
    public var parameterCount: Int { parameterLayout.entries.reduce(0) { $0 + $1.slot.count } }

    /// Pointers for one forward or backward pass.
    public func pass(training: Bool) -> Pass {
        Pass(training: training, parameters: parameters.base, parameterGradients: parameterGradients.base,
             buffers: buffers.base, activations: activations.base,
             activationGradients: activationGradients.base, gradientOffsets: gradientOffsets, scratch: scratch.base,
             statisticsScratch: statisticsScratch, replicaStatistics: replicaStatistics)
    }

    /// The first activation (in forward order) holding a NaN or an infinity, named by the
    /// layer that produced it (`encoder.1.conv1.out`), or nil: `--debug`'s guard on every layer.
    public func firstNonfiniteActivation() -> String? {
        for entry in activationLayout.entries {
            let values = activations[entry.slot]
            if values.contains(where: { !$0.isFinite }) {
                return String(entry.key.prefix { $0 != "#" })
            }
        }
        return nil
    }

    /// Zeroes parameter and activation gradients (once per step; backward then accumulates).
    public func zeroGradients() {
        zeroParameterGradients()
        zeroActivationGradients()
    }

    /// Zeroes the parameter gradients (shared with every network sharing this state).
    public func zeroParameterGradients() {
        precondition(hasGradients, "NetworkMemory.zeroParameterGradients: inference-only memory")
        parameterGradients.zero()
    }

    /// Zeroes this network's exposed activation gradients (the others are zeroed during
    /// backward, when their lifetime begins), before a loss writes the outputs' gradients.
    public func zeroActivationGradients() {
        precondition(hasGradients, "NetworkMemory.zeroActivationGradients: inference-only memory")
        for slot in gradientPlan!.exposed { activationGradients.zero(slot) }
    }

    /// Zeroes the gradients whose lifetime begins at the backward of layer `index` (forward
    /// order); a network's backward calls it before each layer's.
    public func zeroGradients(beforeBackwardOf index: Int) {
        for slot in gradientPlan!.zeroedBefore[index] { activationGradients.zero(slot) }
    }

    /// The gradient of `map` (N, C, H, W), which must be exposed (`NetworkBuilder.inputMap`,
    /// `exposeGradient`): write a loss's gradient there before backward, or read an input's
    /// after it. Other gradients share memory and hold nothing meaningful outside backward.
    public func gradient(_ map: FeatureMap) -> UnsafeMutablePointer<Float> {
        precondition(hasGradients && gradientPlan!.isExposed[map.index],
                     "NetworkMemory.gradient: the gradient of \(activationLayout.entries[map.index].key) is not exposed")
        return activationGradients.base + gradientOffsets[map.index]
    }
}

/// The base pointers a layer's forward and backward read and write, and the mode.
public struct Pass {
    /// Training: batch statistics, running-stat updates, spectral-norm power iteration.
    public let training: Bool
    let parameters: UnsafeMutablePointer<Float>
    let parameterGradients: UnsafeMutablePointer<Float>
    let buffers: UnsafeMutablePointer<Float>
    let activations: UnsafeMutablePointer<Float>
    let activationGradients: UnsafeMutablePointer<Float>
    let gradientOffsets: UnsafeMutablePointer<Int>
    /// Shared scratch, valid only within one kernel call.
    public let scratch: UnsafeMutablePointer<Float>
    let statisticsScratch: UnsafeMutablePointer<Double>
    /// Synchronized BatchNorm's cross-replica sum, when enabled.
    let replicaStatistics: (any ReplicaStatistics)?

    @inline(__always) public func parameter(_ slot: Slot) -> UnsafeMutablePointer<Float> { parameters + slot.offset }
    @inline(__always) public func gradient(_ slot: Slot) -> UnsafeMutablePointer<Float> { parameterGradients + slot.offset }
    @inline(__always) public func buffer(_ slot: Slot) -> UnsafeMutablePointer<Float> { buffers + slot.offset }
    @inline(__always) public func saved(_ slot: Slot) -> UnsafeMutablePointer<Float> { activations + slot.offset }
    @inline(__always) public func value(_ map: FeatureMap) -> UnsafeMutablePointer<Float> { activations + map.slot.offset }
    /// The gradient of `map`, where the network's `GradientPlan` put it; valid while a layer
    /// that lists `map` in its `gradientMaps` runs its backward.
    @inline(__always) public func gradient(_ map: FeatureMap) -> UnsafeMutablePointer<Float> {
        let offset = gradientOffsets[map.index]
        precondition(offset >= 0, "Pass.gradient: a map no layer lists in its gradientMaps")
        return activationGradients + offset
    }
}

/// A piece of a network with a fixed input and output: forward overwrites its output and
/// saved values; backward accumulates into its input's gradient and its parameters' gradients.
public protocol Layer: AnyObject {
    func forward(_ pass: Pass)
    func backward(_ pass: Pass)
    /// Every feature map whose gradient `backward` reads or accumulates into: its outputs, its
    /// inputs and any map it keeps inside. The gradient plan gives a map's gradient memory only
    /// from the first backward that lists it to the last.
    var gradientMaps: [FeatureMap] { get }
}

/// Sums small per-channel statistics over every replica of a data-parallel job, in place
/// (synchronized BatchNorm). Implemented by the trainer over its communicator.
public protocol ReplicaStatistics: AnyObject {
    func sum(_ values: UnsafeMutablePointer<Double>, count: Int)
}
