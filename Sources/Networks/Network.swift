/// A network built as a flat list of layers in forward (topological) order over one
/// `NetworkMemory`: forward runs the list, backward runs it reversed, each layer accumulating
/// into the gradients of its inputs and parameters.
public protocol Network: AnyObject {
    var layers: [any Layer] { get }
    var memory: NetworkMemory { get }
    /// Where each layer's parameters start in the parameter arena (layers register their
    /// parameters in forward order, so a layer's parameters are final once its backward ran).
    var parameterStarts: [Int] { get }
}

extension Network {
    /// Runs every layer forward: reads the input map, overwrites every activation.
    public func forward(training: Bool) {
        let pass = memory.pass(training: training)
        for layer in layers { layer.forward(pass) }
    }

    /// Runs every layer backward from the gradients written at the outputs; accumulates into
    /// parameter gradients (zero them first with `memory.zeroGradients()`), zeroing each
    /// activation gradient as its lifetime begins. `training` must
    /// match the forward it follows. After each layer, `parametersFinal(offset)` says that every
    /// parameter gradient from `offset` to the end of the arena is complete — the moment a
    /// gradient bucket there can be allreduced while backward goes on.
    public func backward(training: Bool = true, parametersFinal: (Int) -> Void = { _ in }) {
        precondition(memory.hasGradients, "backward: the network was built without gradients")
        let pass = memory.pass(training: training)
        for index in layers.indices.reversed() {
            memory.zeroGradients(beforeBackwardOf: index)
            layers[index].backward(pass)
            parametersFinal(parameterStarts[index])
        }
    }
}

extension Network {
    /// The power iteration of every spectral-normalized conv, as a training forward makes it,
    /// on `state` (this network's own by default, or another of its layout) without running
    /// the network: u and v change, nothing else does.
    public func advanceSpectralNorms(of state: NetworkState? = nil) {
        let state = state ?? memory.state
        precondition(state.hasLayout(of: memory.state), "advanceSpectralNorms: a state of another layout")
        for layer in layers { (layer as? ConvLayer)?.advanceSpectralNorm(in: state) }
    }
}

/// A layer whose cost is dominated by convolutions: benchmarks rate a network by the FLOPs of
/// these (everything else is memory-bound).
public protocol ConvolutionCost {
    /// Multiply-add FLOPs (2 per MAC) of one forward at the built batch size.
    var forwardFlops: Double { get }
}

extension ConvLayer: ConvolutionCost {
    public var forwardFlops: Double { geometry.forwardFlops }
}

extension Convolution: ConvolutionCost {
    public var forwardFlops: Double { geometry.forwardFlops }
}

/// FLOPs of the forward of every convolution among `layers` at their built batch size
/// (training costs 3× that with the weight and input gradients).
func convolutionFlops(_ layers: [any Layer]) -> Double {
    layers.reduce(0) { $0 + (($1 as? any ConvolutionCost)?.forwardFlops ?? 0) }
}

extension Network {
    /// FLOPs of every convolution's forward (see `convolutionFlops(_:)`).
    public var convolutionFlops: Double { Networks.convolutionFlops(layers) }
}

extension VGG19 {
    /// FLOPs of every convolution's forward (see `convolutionFlops(_:)`).
    public var convolutionFlops: Double { Networks.convolutionFlops(layers) }
}
