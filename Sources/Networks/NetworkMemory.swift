import Kernels
import Tensors

/// The workspace of one built network over a `NetworkState`: activations (planned by lifetime
/// without gradients, see `ActivationPlan`), their gradients (planned by lifetime, see
/// `GradientPlan`), and shared scratch. Allocated once; a step allocates nothing.
public final class NetworkMemory {
    /// The parameters, their gradients and the buffers this workspace runs on.
    public let state: NetworkState
    /// Every feature map and saved value, in the order layers registered them (forward order).
    public let activationLayout: Layout
    /// Where each activation and saved value lives in `activations`.
    public let activationPlan: ActivationPlan
    /// The activations, laid out by `activationPlan`: read and write them through `value(_:)`
    /// (outside a network) or `Pass.value(_:)` (inside a layer).
    let activations: Arena
    /// `activationPlan`'s offsets by activation-layout index, for `Pass`.
    private let activationOffsets: UnsafeMutablePointer<Int>
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

    /// The state's arenas and layouts, as the layers and the optimizers reach them.
    public var parameterLayout: Layout { state.parameterLayout }
    public var bufferLayout: Layout { state.bufferLayout }
    public var parameters: Arena { state.parameters }
    public var parameterGradients: Arena { state.parameterGradients }
    public var buffers: Arena { state.buffers }
    /// Whether gradient arenas exist; inference-only memory has none.
    public var hasGradients: Bool { state.hasGradients }

    /// A workspace for `builder`'s network over `state` (whose layout must be the builder's).
    init(_ builder: NetworkBuilder, state: NetworkState, gradientMemory: GradientMemory, activationMemory: ActivationMemory) {
        precondition(state.entries == builder.state && state.parameterLayout.elementCount == builder.parameters.elementCount
                     && state.bufferLayout.elementCount == builder.buffers.elementCount,
                     "NetworkMemory: a workspace over a state of another layout")
        self.state = state
        let gradients = state.hasGradients
        activationLayout = builder.activations
        activationPlan = ActivationPlan(builder, gradients: gradients, memory: activationMemory)
        activations = Arena(count: activationPlan.elementCount)
        activationOffsets = Self.offsetTable(activationPlan.offsets)
        let plan = gradients
            ? GradientPlan(layers: builder.layers, activations: builder.activations,
                           exposed: builder.exposedGradients, memory: gradientMemory)
            : nil
        gradientPlan = plan
        activationGradients = Arena(count: plan?.elementCount ?? 0)
        gradientOffsets = Self.offsetTable(plan?.offsets ?? Array(repeating: -1, count: activationPlan.offsets.count))
        scratch = Arena(count: builder.scratchCount)
        statisticsScratchCount = max(builder.statisticsScratchCount, 1)
        statisticsScratch = .allocate(capacity: statisticsScratchCount)
        statisticsScratch.initialize(repeating: 0, count: statisticsScratchCount)
    }

    /// `offsets` where a `Pass` reads them without touching an array (no retain in a step).
    private static func offsetTable(_ offsets: [Int]) -> UnsafeMutablePointer<Int> {
        let table = UnsafeMutablePointer<Int>.allocate(capacity: max(offsets.count, 1))
        table.initialize(repeating: -1, count: max(offsets.count, 1))
        table.update(from: offsets, count: offsets.count)
        return table
    }

    deinit {
        statisticsScratch.deallocate()
        activationOffsets.deallocate()
        gradientOffsets.deallocate()
    }

    /// Number of trainable parameters (PyTorch's `sum(p.numel() for p in parameters())`).
    public var parameterCount: Int { state.parameterCount }

    /// Pointers for one forward or backward pass.
    public func pass(training: Bool) -> Pass {
        return Pass(training: training, parameters: parameters.base, parameterGradients: parameterGradients.base,
             buffers: buffers.base, activations: activations.base, activationOffsets: activationOffsets,
             activationGradients: activationGradients.base, gradientOffsets: gradientOffsets, scratch: scratch.base,
             statisticsScratch: statisticsScratch, replicaStatistics: replicaStatistics)
    }

    /// The first activation (in forward order) holding a NaN or an infinity, named by the
    /// layer that produced it (`encoder.1.conv1.out`), or nil: `--debug`'s guard on every layer.
    /// Without gradients only the exposed activations keep their values after forward.
    public func firstNonfiniteActivation() -> String? {
        for (activation, exposed) in zip(activationPlan.activations, activationPlan.isExposed) where exposed {
            if activations[activation.slot].contains(where: { !$0.isFinite }) {
                return String(activation.key.prefix { $0 != "#" })
            }
        }
        return nil
    }

    /// The value of `map` (N, C, H, W): write a network's input before forward, read an output
    /// after it. Without gradients `map` must be exposed (`NetworkBuilder.inputMap`,
    /// `exposeGradient`, `exposeActivation`): other activations share memory and hold nothing
    /// meaningful outside forward.
    public func value(_ map: FeatureMap) -> UnsafeMutablePointer<Float> {
        precondition(activationPlan.isExposed[map.index],
                     "NetworkMemory.value: \(activationLayout.entries[map.index].key) shares memory with other activations (not exposed)")
        return activations.base + activationOffsets[map.index]
    }

    /// `value(map)` as a buffer of `map.count` Floats.
    public func values(_ map: FeatureMap) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: value(map), count: map.count)
    }

    /// Copies `values` into `map`'s value (a network's input); the counts must match.
    public func copy(_ values: some Collection<Float>, into map: FeatureMap) {
        precondition(values.count == map.count, "NetworkMemory.copy: \(values.count) values into a map of \(map.count)")
        _ = self.values(map).update(fromContentsOf: values)
    }

    /// Zeroes parameter and activation gradients (once per step; backward then accumulates).
    public func zeroGradients() {
        zeroParameterGradients()
        zeroActivationGradients()
    }

    /// Zeroes the parameter gradients (shared with every workspace over this state).
    public func zeroParameterGradients() { state.zeroParameterGradients() }

    /// Zeroes this network's exposed activation gradients (the others are zeroed during
    /// backward, when their lifetime begins), before a loss writes the outputs' gradients.
    public func zeroActivationGradients() {
        precondition(hasGradients, "NetworkMemory.zeroActivationGradients: inference-only memory")
        for slot in gradientPlan!.exposed { zeroFill(activationGradients.pointer(slot), count: slot.count) }
    }

    /// Zeroes the gradients whose lifetime begins at the backward of layer `index` (forward
    /// order); a network's backward calls it before each layer's.
    public func zeroGradients(beforeBackwardOf index: Int) {
        for slot in gradientPlan!.zeroedBefore[index] { zeroFill(activationGradients.pointer(slot), count: slot.count) }
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
    let activationOffsets: UnsafeMutablePointer<Int>
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
    /// The values `saved` where the network's `ActivationPlan` put them; without gradients
    /// valid only while the layer that registered them runs.
    @inline(__always) public func saved(_ saved: SavedValues) -> UnsafeMutablePointer<Float> {
        activations + activationOffsets[saved.index]
    }
    /// The value of `map` where the network's `ActivationPlan` put it; without gradients valid
    /// from the layer that writes it to the last layer that lists it in its `featureMaps`.
    @inline(__always) public func value(_ map: FeatureMap) -> UnsafeMutablePointer<Float> {
        activations + activationOffsets[map.index]
    }
    /// The gradient of `map`, where the network's `GradientPlan` put it; valid while a layer
    /// that lists `map` in its `featureMaps` runs its backward.
    @inline(__always) public func gradient(_ map: FeatureMap) -> UnsafeMutablePointer<Float> {
        let offset = gradientOffsets[map.index]
        precondition(offset >= 0, "Pass.gradient: a map no layer lists in its featureMaps")
        return activationGradients + offset
    }
}

/// A piece of a network with a fixed input and output: forward overwrites its output and
/// saved values; backward accumulates into its input's gradient and its parameters' gradients.
public protocol Layer: AnyObject {
    func forward(_ pass: Pass)
    func backward(_ pass: Pass)
    /// Every feature map the layer touches: its inputs, its outputs and any map it keeps inside.
    /// Forward reads or writes their values; backward reads or accumulates into their gradients.
    /// The plans give a map memory only from the first layer that lists it to the last
    /// (`ActivationPlan` without gradients, `GradientPlan` for the gradients).
    var featureMaps: [FeatureMap] { get }
}

/// Sums small per-channel statistics over every replica of a data-parallel job, in place
/// (synchronized BatchNorm). Implemented by the trainer over its communicator.
public protocol ReplicaStatistics: AnyObject {
    func sum(_ values: UnsafeMutablePointer<Double>, count: Int)
}
