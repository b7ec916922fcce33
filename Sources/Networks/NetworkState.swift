import Kernels
import Tensors

/// What Adam, the gradient allreduce, the EMA and checkpoints see of a network: its parameters,
/// their gradients (one layout, so the optimizer is one loop and the allreduce one call) and its
/// buffers (running statistics, spectral-norm u and v), in `state_dict` order. The activations a
/// pass needs live apart, in `NetworkMemory` (llm.c's `ParameterTensors` beside its
/// `ActivationTensors`): one state can be run with several workspaces (SPARNetHD's
/// discriminator on real, detached fake and fake images) or with none (the EMA generator).
public final class NetworkState {
    public let parameterLayout: Layout
    public let bufferLayout: Layout
    /// Every parameter and buffer in `state_dict` order.
    public let entries: [StateEntry]
    public let parameters: Arena
    /// Empty when the state is not trained (inference, the EMA generator).
    public let parameterGradients: Arena
    public let buffers: Arena
    /// Whether `parameterGradients` exists.
    public let hasGradients: Bool

    init(parameterLayout: Layout, bufferLayout: Layout, entries: [StateEntry], gradients: Bool) {
        self.parameterLayout = parameterLayout
        self.bufferLayout = bufferLayout
        self.entries = entries
        hasGradients = gradients
        parameters = Arena(parameterLayout)
        parameterGradients = gradients ? Arena(parameterLayout) : Arena(count: 0)
        buffers = Arena(bufferLayout)
    }

    /// A copy of `other`'s parameters and buffers, without gradients: the EMA generator
    /// (the reference's `copy.deepcopy(netG)`).
    public convenience init(copying other: NetworkState) {
        self.init(parameterLayout: other.parameterLayout, bufferLayout: other.bufferLayout, entries: other.entries,
                  gradients: false)
        _ = parameters.buffer.update(fromContentsOf: other.parameters.buffer)
        _ = buffers.buffer.update(fromContentsOf: other.buffers.buffer)
    }

    /// Number of trainable parameters (PyTorch's `sum(p.numel() for p in parameters())`).
    public var parameterCount: Int { parameterLayout.entries.reduce(0) { $0 + $1.slot.count } }

    /// Whether `other` has this state's layout (the same keys, shapes and order).
    func hasLayout(of other: NetworkState) -> Bool {
        entries == other.entries && parameterLayout.elementCount == other.parameterLayout.elementCount
            && bufferLayout.elementCount == other.bufferLayout.elementCount
    }

    /// Zeroes the parameter gradients (shared by every workspace running this state).
    public func zeroParameterGradients() {
        precondition(hasGradients, "NetworkState.zeroParameterGradients: a state without gradients")
        zeroFill(parameterGradients.base, count: parameterGradients.count)
    }
}
