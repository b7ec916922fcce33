import Kernels
import Tensors

/// A plain `nn.Conv2d` with bias (zero padding by default, as torchvision's VGG), optionally
/// followed by an in-place ReLU: torchvision's `Conv2d` + `ReLU(inplace=True)` pair, where the
/// ReLU overwrites the conv's output tensor, so the two share one feature map here as well.
/// Keys, in `nn.Conv2d`'s order: `<name>.weight`, `<name>.bias`.
///
/// With the ReLU fused, backward masks the output's gradient in place (zero where the output
/// is not positive, as ReLU's backward) before the conv backward; the output gradient is
/// consumed by this layer, which is its only reader after the layers that follow have run.
public final class Convolution: Layer {
    /// The map the conv reads (N, C, H, W).
    public let input: FeatureMap
    /// The conv's output (N, O, Ho, Wo), after the ReLU when `appliesReLU`.
    public let output: FeatureMap
    /// Sizes, padding and scratch of the conv.
    public let geometry: Conv2dGeometry
    /// Whether an in-place ReLU follows the conv (the output then holds `relu(conv(x))`).
    public let appliesReLU: Bool
    /// Whether backward accumulates weight and bias gradients; off for a frozen network
    /// (VGG19 in the perceptual loss), which then pays only for the input gradient.
    public var computesParameterGradients = true
    private let weight: Slot
    private let bias: Slot

    /// Registers `<name>.weight` (O, C, K, K), initialised as torchvision's VGG does
    /// (Kaiming normal, fan-out, std √(2 / (O·K·K))), and `<name>.bias` (O), zero.
    /// The conv takes the algorithms `builder.convolution` allows; `largeForwardTiles` as
    /// `Conv2dGeometry`'s.
    public init(_ builder: NetworkBuilder, _ name: String, input: FeatureMap, outputChannels: Int,
                kernelSize: Int = 3, padding: Padding = .zero(1), relu: Bool = false,
                largeForwardTiles: Bool = true) {
        self.input = input
        appliesReLU = relu
        let (c, o, k) = (input.channels, outputChannels, kernelSize)
        let geometry = Conv2dGeometry(batch: input.batch, inputChannels: c, outputChannels: o,
                                      height: input.height, width: input.width, kernelSize: k, padding: padding,
                                      options: builder.convolution, largeForwardTiles: largeForwardTiles)
        self.geometry = geometry
        builder.requireScratch(geometry.scratchCount)
        let standardDeviation = Float((2 / Double(o * k * k)).squareRoot())
        (weight, bias, output) = builder.scoped(name) {
            (builder.parameter("weight", shape: [o, c, k, k],
                               initializer: .normal(mean: 0, standardDeviation: standardDeviation)),
             builder.parameter("bias", shape: [o], initializer: .constant(0)),
             builder.featureMap(channels: o, height: geometry.outputHeight, width: geometry.outputWidth))
        }
    }

    /// Overwrites `output` with conv(input) (+ ReLU in place).
    public func forward(_ pass: Pass) {
        let y = pass.value(output)
        conv2dForward(geometry, input: pass.value(input), weight: pass.parameter(weight),
                      bias: pass.parameter(bias), output: y, scratch: pass.scratch)
        if appliesReLU { reluForward(count: output.count, input: y, output: y) }
    }

    public var featureMaps: [FeatureMap] { [input, output] }

    /// Masks `output`'s gradient by the ReLU (in place), then accumulates into the input's
    /// gradient and, when `computesParameterGradients`, the weight's and bias's.
    public func backward(_ pass: Pass) {
        let dy = pass.gradient(output)
        if appliesReLU {
            let y = pass.value(output)
            for i in 0..<output.count { dy[i] = y[i] > 0 ? dy[i] : 0 }
        }
        conv2dBackward(geometry, input: pass.value(input), weight: pass.parameter(weight), outputGradient: dy,
                       inputGradient: pass.gradient(input),
                       weightGradient: computesParameterGradients ? pass.gradient(weight) : nil,
                       biasGradient: computesParameterGradients ? pass.gradient(bias) : nil,
                       scratch: pass.scratch)
    }
}
