import Tensors

/// A network's `state_dict` without its memory: keys and shapes in order, parameter count,
/// and the bytes its arenas would take for the batch it was described with.
public struct NetworkDescription: Sendable {
    public let state: [(key: String, kind: StateEntry.Kind, shape: Shape)]
    /// Trainable parameters (PyTorch's `sum(p.numel() for p in net.parameters())`).
    public let parameterCount: Int
    public let bufferCount: Int
    /// Floats of activations in training, of activations in inference (planned by lifetime,
    /// see `ActivationPlan`), of their gradients in training (planned by lifetime, see
    /// `GradientPlan`), and of scratch.
    public let activationCount: Int
    public let inferenceActivationCount: Int
    public let gradientCount: Int
    /// The most gradient floats alive at one backward step (`GradientPlan.peakLiveCount`).
    public let peakLiveGradientCount: Int
    public let scratchCount: Int

    init(_ builder: NetworkBuilder) {
        state = builder.state.map { entry in
            let layout = entry.kind == .parameter ? builder.parameters : builder.buffers
            return (entry.key, entry.kind, layout[entry.key]!.shape)
        }
        parameterCount = builder.parameters.entries.reduce(0) { $0 + $1.slot.count }
        bufferCount = builder.buffers.entries.reduce(0) { $0 + $1.slot.count }
        activationCount = builder.activations.elementCount
        inferenceActivationCount = ActivationPlan(builder, gradients: false, memory: .byLifetime).elementCount
        let plan = GradientPlan(layers: builder.layers, activations: builder.activations,
                                exposed: builder.exposedGradients, memory: .byLifetime)
        gradientCount = plan.elementCount
        peakLiveGradientCount = plan.peakLiveCount
        scratchCount = builder.scratchCount
    }
}
