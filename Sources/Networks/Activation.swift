import Kernels
import Tensors

/// An activation over one feature map: the reference's `ReluLayer`, which holds the PyTorch
/// module as `.func` (PReLU's slopes are `<scope>.func.weight`).
final class Activation: Layer {
    let kind: ActivationKind
    let input: FeatureMap
    let output: FeatureMap
    private var slopes = Slot(offset: 0, count: 0)

    /// The negative slope of the released models' LeakyReLU.
    static let leakySlope: Float = 0.2

    /// `kind` as a normalization's fused activation, when it can be one (ReLU and LeakyReLU:
    /// no parameters, and the backward works from the output); nil for PReLU and none.
    static func fused(_ kind: ActivationKind) -> FusedActivation? {
        switch kind {
        case .relu: .relu
        case .leakyrelu: .leakyRelu(negativeSlope: leakySlope)
        case .prelu, .none: nil
        }
    }

    /// Registers PReLU's slopes `<name>.func.weight` (nil for other kinds). Separate from
    /// `init` because the reference's `ConvLayer` registers them before its norm's keys.
    static func registerSlopes(_ builder: NetworkBuilder, _ name: String, kind: ActivationKind,
                               channels: Int) -> Slot? {
        guard kind == .prelu else { return nil }
        return builder.scoped(name) {
            builder.scoped("func") { builder.parameter("weight", shape: [channels], initializer: .constant(0.25)) }
        }
    }

    /// An activation of `input`; PReLU needs the slopes from `registerSlopes`.
    init(_ builder: NetworkBuilder, _ name: String, kind: ActivationKind, input: FeatureMap, slopes: Slot? = nil) {
        precondition(kind != .none, "Activation: kind none has no layer")
        precondition((kind == .prelu) == (slopes != nil), "Activation: PReLU needs slopes, other kinds none")
        self.kind = kind
        self.input = input
        if let slopes { self.slopes = slopes }
        output = builder.scoped(name) {
            builder.featureMap(channels: input.channels, height: input.height, width: input.width)
        }
    }

    var featureMaps: [FeatureMap] { [input, output] }

    func forward(_ pass: Pass) {
        let x = pass.value(input), y = pass.value(output), count = input.count
        switch kind {
        case .relu: reluForward(count: count, input: x, output: y)
        case .leakyrelu: leakyReluForward(count: count, input: x, output: y, negativeSlope: Self.leakySlope)
        case .prelu:
            preluForward(batch: input.batch, channels: input.channels, plane: input.plane,
                         input: x, weight: pass.parameter(slopes), output: y)
        case .none: preconditionFailure("Activation: kind none has no layer")
        }
    }

    func backward(_ pass: Pass) {
        let dy = pass.gradient(output), dx = pass.gradient(input), count = input.count
        switch kind {
        case .relu: reluBackward(count: count, output: pass.value(output), outputGradient: dy, inputGradient: dx)
        case .leakyrelu:
            leakyReluBackward(count: count, output: pass.value(output), outputGradient: dy, inputGradient: dx,
                              negativeSlope: Self.leakySlope)
        case .prelu:
            preluBackward(batch: input.batch, channels: input.channels, plane: input.plane,
                          input: pass.value(input), weight: pass.parameter(slopes), outputGradient: dy,
                          inputGradient: dx, weightGradient: pass.gradient(slopes))
        case .none: preconditionFailure("Activation: kind none has no layer")
        }
    }
}
