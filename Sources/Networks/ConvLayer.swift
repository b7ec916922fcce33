import Kernels
import Tensors

/// The reference's `ConvLayer` (models/blocks.py): optional nearest ×2 upsample →
/// ReflectionPad2d(k/2) (unless `usePadding` is false) → Conv2d (stride 2 when scaling down;
/// bias only without a norm) → norm → activation. The upsampling is fused into the conv's
/// im2col (`Conv2dGeometry.upsamplesInput`) and a ReLU or LeakyReLU into the norm's kernels:
/// neither the upsampled map nor the norm's own output is stored. With spectral normalization the conv weight
/// is `weight_orig / σ` (`torch.nn.utils.spectral_norm`, one power iteration per training
/// forward). Keys, in the reference's order: `conv2d.bias`, `conv2d.weight` (or
/// `conv2d.weight_orig` then buffers `conv2d.weight_u`, `conv2d.weight_v`), `relu.func.weight`
/// (PReLU), `norm.norm.*` — `relu` is constructed before `norm` in the reference.
public final class ConvLayer: Layer {
    public let input: FeatureMap
    public let output: FeatureMap
    public let geometry: Conv2dGeometry
    private let convolved: FeatureMap
    private let weight: Slot
    private let bias: Slot?
    private let spectral: SpectralNormState?
    private let normalization: Normalization?
    private let activation: Activation?
    /// Where in scratch backward keeps the normalized weight's gradient (spectral norm).
    private let normalizedWeightGradientOffset: Int

    /// u, v buffers, the normalized weight used by the conv, σ, and the
    /// u, v this forward used: a network run several times per step (SPARNetHD's
    /// discriminator) iterates the shared u, v again before this forward's backward runs, and
    /// PyTorch differentiates each forward with the vectors it used.
    private struct SpectralNormState {
        let u: Slot
        let v: Slot
        let normalizedWeight: SavedValues
        let sigma: SavedValues
        let usedU: SavedValues
        let usedV: SavedValues
    }

    public init(_ builder: NetworkBuilder, _ name: String, input: FeatureMap, outputChannels: Int,
                kernelSize: Int = 3, scale: Scale = .none, norm: NormKind = .none,
                activation activationKind: ActivationKind = .none, usePadding: Bool = true,
                spectralNorm: Bool = false) {
        self.input = input
        let (c, o, k) = (input.channels, outputChannels, kernelSize)
        let hasBias = norm == .none
        let factor = scale == .up ? 2 : 1
        // The forward on F(2×2) Winograd, the input gradient on F(4×4), as VGG19's convs: F(4×4)'s
        // forward rounding (20× F(2×2)'s) flips norm-and-activation kinks downstream, and one flip
        // moved sparnet_A.h5's gradients to 3.8·10⁻³ of max|g| (tolerance 10⁻³) with OpenBLAS's
        // Prescott kernel, the one 0.3.21 picks on CPUs it does not know.
        geometry = Conv2dGeometry(batch: input.batch, inputChannels: c, outputChannels: o,
                                  height: factor * input.height, width: factor * input.width, kernelSize: k,
                                  stride: scale == .down ? 2 : 1,
                                  padding: usePadding ? .reflect(k / 2) : .none, upsamplesInput: scale == .up,
                                  options: builder.convolution, largeForwardTiles: false)
        let weightShape: Shape = [o, c, k, k]
        // With spectral norm, the normalized weight's gradient is a temporary of backward,
        // kept in scratch after the conv's own.
        normalizedWeightGradientOffset = Layout.aligned(geometry.scratchCount)
        builder.requireScratch(spectralNorm
            ? max(normalizedWeightGradientOffset + weightShape.elementCount, o) : geometry.scratchCount)
        var spectral: SpectralNormState?
        (weight, bias) = builder.scoped(name) {
            builder.scoped("conv2d") {
                let bias = hasBias ? builder.parameter("bias", shape: [o], initializer: .constant(0)) : nil
                let weight = builder.parameter(spectralNorm ? "weight_orig" : "weight", shape: weightShape,
                                               initializer: .normal(mean: 0, standardDeviation: 0.02))
                if spectralNorm {
                    spectral = SpectralNormState(
                        u: builder.buffer("weight_u", shape: [o], initializer: .unitNormal),
                        v: builder.buffer("weight_v", shape: [c * k * k], initializer: .unitNormal),
                        normalizedWeight: builder.saved("weight", count: weightShape.elementCount),
                        sigma: builder.saved("sigma", count: 1),
                        usedU: builder.saved("used_u", count: o),
                        usedV: builder.saved("used_v", count: c * k * k))
                }
                return (weight, bias)
            }
        }
        self.spectral = spectral
        let (outputHeight, outputWidth) = (geometry.outputHeight, geometry.outputWidth)
        let convolved = builder.scoped(name) {
            builder.featureMap(channels: o, height: outputHeight, width: outputWidth)
        }
        self.convolved = convolved
        // The reference builds `relu` before `norm`, so PReLU's slopes precede the norm's keys.
        // A ReLU or LeakyReLU after a norm runs inside the norm's kernels.
        let fused = norm == .none ? nil : Activation.fused(activationKind)
        (normalization, activation) = builder.scoped(name) {
            let slopes = Activation.registerSlopes(builder, "relu", kind: activationKind, channels: o)
            let normalization = norm == .none
                ? nil : Normalization(builder, "norm", kind: norm, input: convolved, activation: fused ?? .identity)
            let normalized = normalization?.output ?? convolved
            let activation = activationKind == .none || fused != nil
                ? nil : Activation(builder, "relu", kind: activationKind, input: normalized, slopes: slopes)
            return (normalization, activation)
        }
        output = activation?.output ?? normalization?.output ?? convolved
    }

    /// With spectral norm, the power iteration a training forward makes, on the state alone
    /// (u and v of `memory`'s buffers from its `weight_orig`); nothing otherwise.
    func advanceSpectralNorm(in memory: NetworkState) {
        guard let spectral else { return }
        spectralNormPowerIteration(rows: geometry.outputChannels, columns: geometry.columnRows,
                                   weight: memory.parameters.base + weight.offset,
                                   u: memory.buffers.base + spectral.u.offset, v: memory.buffers.base + spectral.v.offset)
    }

    public func forward(_ pass: Pass) {
        var w = pass.parameter(weight)
        if let spectral {
            let normalized = pass.saved(spectral.normalizedWeight)
            pass.saved(spectral.sigma).pointee = spectralNormForward(
                rows: geometry.outputChannels, columns: geometry.columnRows, weight: w,
                u: pass.buffer(spectral.u), v: pass.buffer(spectral.v), powerIteration: pass.training,
                normalizedWeight: normalized, scratch: pass.scratch)
            pass.saved(spectral.usedU).update(from: pass.buffer(spectral.u), count: spectral.u.count)
            pass.saved(spectral.usedV).update(from: pass.buffer(spectral.v), count: spectral.v.count)
            w = normalized
        }
        conv2dForward(geometry, input: pass.value(input), weight: w, bias: bias.map { UnsafePointer(pass.parameter($0)) },
                      output: pass.value(convolved), scratch: pass.scratch)
        normalization?.forward(pass)
        activation?.forward(pass)
    }

    public var featureMaps: [FeatureMap] {
        [input, convolved, normalization?.output, activation?.output].compactMap { $0 }
    }

    public func backward(_ pass: Pass) {
        activation?.backward(pass)
        normalization?.backward(pass)
        let x = pass.value(input), dx = pass.gradient(input)
        let w = spectral.map { pass.saved($0.normalizedWeight) } ?? pass.parameter(weight)
        var dw = pass.gradient(weight)
        if let spectral {
            dw = pass.scratch + normalizedWeightGradientOffset
            dw.update(repeating: 0, count: spectral.normalizedWeight.count)
        }
        conv2dBackward(geometry, input: x, weight: w, outputGradient: pass.gradient(convolved),
                       inputGradient: dx, weightGradient: dw, biasGradient: bias.map { pass.gradient($0) },
                       scratch: pass.scratch)
        if let spectral {
            spectralNormBackward(rows: geometry.outputChannels, columns: geometry.columnRows,
                                 normalizedWeight: w, normalizedWeightGradient: dw,
                                 u: pass.saved(spectral.usedU), v: pass.saved(spectral.usedV),
                                 sigma: pass.saved(spectral.sigma).pointee, weightGradient: pass.gradient(weight))
        }
    }
}
