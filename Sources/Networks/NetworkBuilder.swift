import Kernels
import Tensors

/// Collects the layouts of a network while its layers are constructed for one batch size and
/// input size: parameters and buffers under their PyTorch `state_dict` keys (in the reference's
/// registration order), activations and saved per-step values, and the largest scratch any
/// layer needs. `makeMemory` then allocates every arena once.
public final class NetworkBuilder {
    /// Batch size every feature map of this build has.
    public let batch: Int
    /// The algorithms the network's convs may choose among.
    public let convolution: ConvolutionOptions
    public private(set) var parameters = Layout()
    public private(set) var buffers = Layout()
    public private(set) var activations = Layout()
    /// Activation-layout indices of the maps whose gradients live for the whole step:
    /// inputs, and what `exposeGradient` names.
    public private(set) var exposedGradients: Set<Int> = []
    /// Activation-layout indices of the maps whose values live for the whole pass in memory
    /// without gradients: every map with an exposed gradient, and what `exposeActivation` names.
    public private(set) var exposedActivations: Set<Int> = []
    /// The layer that registered each activation-layout entry (the next one added after it;
    /// nil when none was): a saved value lives while that layer runs.
    private(set) var activationOwners: [Int?] = []
    /// Floats of scratch shared by all layers (each uses it only within one call).
    public private(set) var scratchCount = 0
    /// Doubles synchronized BatchNorm needs for its per-channel sums.
    public private(set) var statisticsScratchCount = 0
    /// Every parameter and buffer in `state_dict` order.
    public private(set) var state: [StateEntry] = []
    /// How each parameter and buffer starts, by key.
    public private(set) var initializers: [String: Initializer] = [:]
    /// Every layer in the order forward runs them (a topological order; backward runs it
    /// reversed, each layer accumulating into the gradients of its inputs).
    public private(set) var layers: [any Layer] = []
    /// Where each layer's parameters start: the parameters registered since the previous
    /// `add` belong to the layer being added.
    public private(set) var parameterStarts: [Int] = []
    private var parametersAtLastAdd = 0
    private var scope: [String] = []

    public init(batch: Int, convolution: ConvolutionOptions = .default) {
        precondition(batch > 0, "NetworkBuilder: batch \(batch) must be positive")
        self.batch = batch
        self.convolution = convolution
    }

    /// Runs `body` with `name` appended to the key prefix (`encoder` → `encoder.1` → …).
    public func scoped<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        scope.append(name)
        defer { scope.removeLast() }
        return try body()
    }

    /// The full key of `name` under the current scope.
    public func key(_ name: String) -> String { (scope + [name]).joined(separator: ".") }

    /// Registers a trainable parameter.
    public func parameter(_ name: String, shape: Shape, initializer: Initializer) -> Slot {
        let key = key(name)
        state.append(StateEntry(key: key, kind: .parameter, elementType: .float32))
        initializers[key] = initializer
        return parameters.register(key, shape: shape)
    }

    /// Registers a buffer: state that is saved and loaded but has no gradient.
    public func buffer(_ name: String, shape: Shape, initializer: Initializer,
                       elementType: StateEntry.ElementType = .float32) -> Slot {
        let key = key(name)
        state.append(StateEntry(key: key, kind: .buffer, elementType: elementType))
        initializers[key] = initializer
        return buffers.register(key, shape: shape)
    }

    /// Registers a feature map (a layer's output; its memory and its gradient's are planned by
    /// lifetime).
    public func featureMap(channels: Int, height: Int, width: Int) -> FeatureMap {
        registerMap("\(key("out"))", channels: channels, height: height, width: width)
    }

    /// Registers a network's input map under the key `input`; its value and gradient are
    /// exposed (the caller writes the input; its gradient flows back to whatever produced it).
    public func inputMap(channels: Int, height: Int, width: Int) -> FeatureMap {
        let map = registerMap("input", channels: channels, height: height, width: width)
        exposeGradient(map)
        return map
    }

    private func registerMap(_ name: String, channels: Int, height: Int, width: Int) -> FeatureMap {
        let index = activations.entries.count
        let slot = activations.register("\(name)#\(index)", shape: [batch, channels, height, width])
        activationOwners.append(nil)
        return FeatureMap(slot: slot, index: index, batch: batch, channels: channels, height: height, width: width)
    }

    /// Keeps the gradient of `map` for the whole step, readable and writable from outside the
    /// network (`NetworkMemory.gradient(_:)`): an output a loss writes before backward, a map
    /// read after it. Its value is exposed too (a loss reads the value whose gradient it writes).
    public func exposeGradient(_ map: FeatureMap) {
        exposedGradients.insert(map.index)
        exposeActivation(map)
    }

    /// Keeps the value of `map` for the whole pass in memory without gradients, readable after
    /// forward (`NetworkMemory.value(_:)`): an output, a map a caller shows. With gradients
    /// every activation lives the whole step anyway.
    public func exposeActivation(_ map: FeatureMap) { exposedActivations.insert(map.index) }

    /// Registers per-step values the layer about to be added saves for its backward (batch
    /// statistics, a normalized weight); they have no gradient.
    public func saved(_ name: String, count: Int) -> SavedValues {
        let index = activations.entries.count
        activations.register("\(key(name))#\(index)", shape: [count])
        activationOwners.append(nil)
        return SavedValues(index: index, count: count)
    }

    /// Appends `layer` to the forward order and returns it; it owns the activations registered
    /// since the previous `add`.
    @discardableResult
    public func add<L: Layer>(_ layer: L) -> L {
        for index in activationOwners.indices.reversed() {
            guard activationOwners[index] == nil else { break }
            activationOwners[index] = layers.count
        }
        layers.append(layer)
        parameterStarts.append(parametersAtLastAdd)
        parametersAtLastAdd = parameters.elementCount
        return layer
    }

    /// Makes sure the shared scratch holds at least `count` floats.
    public func requireScratch(_ count: Int) { scratchCount = max(scratchCount, count) }

    /// Makes sure synchronized BatchNorm has room for the sums of `channels` channels.
    public func requireStatisticsScratch(channels: Int) {
        statisticsScratchCount = max(statisticsScratchCount, 2 * channels + 1)
    }

    /// A new state of this network's layout (with parameter gradients when `gradients`),
    /// its parameters and buffers initialized from `seed`.
    public func makeState(seed: UInt64, gradients: Bool = true) -> NetworkState {
        let state = NetworkState(parameterLayout: parameters, bufferLayout: buffers, entries: self.state, gradients: gradients)
        initialize(state, seed: seed)
        return state
    }

    /// A workspace over `state`, or over a new state initialized from `seed` (with gradients
    /// when `gradients`). With gradients `gradientMemory` says how activation gradients are
    /// laid out; without them the memory serves inference only and `activationMemory` says how
    /// activations are laid out.
    public func makeMemory(seed: UInt64, gradients: Bool = true, gradientMemory: GradientMemory = .byLifetime,
                           activationMemory: ActivationMemory = .byLifetime,
                           state: NetworkState? = nil) -> NetworkMemory {
        NetworkMemory(self, state: state ?? makeState(seed: seed, gradients: gradients),
                      gradientMemory: gradientMemory, activationMemory: activationMemory)
    }

    /// Initializes every parameter and buffer of `memory` as the reference's `define_network`.
    private func initialize(_ memory: NetworkState, seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for entry in state {
            let (layout, arena) = entry.kind == .parameter
                ? (parameters, memory.parameters) : (buffers, memory.buffers)
            let slot = layout[entry.key]!.slot
            let values = arena[slot]
            switch initializers[entry.key]! {
            case .constant(let value):
                values.update(repeating: value)
            case .normal(let mean, let standardDeviation):
                for i in values.indices { values[i] = mean + standardDeviation * random.nextNormal() }
            case .unitNormal:
                var norm: Float = 0
                for i in values.indices { values[i] = random.nextNormal(); norm += values[i] * values[i] }
                norm = max(norm.squareRoot(), 1e-12)
                for i in values.indices { values[i] /= norm }
            }
        }
    }
}
