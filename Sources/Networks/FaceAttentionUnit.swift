import Tensors

// SPARNet's building blocks as the released code computes them (models/blocks.py):
// paper §3.2 "Face Attention Unit", §3.3 the hourglass attention branch.

/// Which attention map a Face Attention Unit learns (the reference's `att_name`).
public enum AttentionKind: String, Hashable, Sendable, CaseIterable, Codable {
    /// One map broadcast over channels (`spar`).
    case spatial2d = "2d"
    /// One map per channel (`spar3d`).
    case spatial3d = "3d"
    /// No attention branch: the paper's Baseline (§IV-C, "residual SR network without any
    /// spatial attention branches"). Every unit keeps its feature branch and shortcut,
    /// `shortcut(x) + conv2(conv1(act(norm(x))))`; the reference computes the same where an
    /// hourglass has depth 0 (`HourGlassBlock` returns its input).
    case none
}

/// The options every block of one network shares.
struct BlockOptions {
    var norm: NormKind
    var activation: ActivationKind
    var attention: AttentionKind
    var spectralNorm: Bool
}

/// Appends a Face Attention Unit (the reference's `ResidualBlock`) under `name`:
/// `shortcut(x) + att(conv2(conv1(act(norm(x)))))`, returning its output.
/// Keys: `shortcut_func.*` (a plain conv when the scale or channels change), `preact_func.0.*`
/// (norm), `preact_func.1.*` (activation), `conv1.*`, `conv2.*`, `att_func.*` (hourglass).
@discardableResult
func appendFaceAttentionUnit(_ builder: NetworkBuilder, _ name: String, input x: FeatureMap,
                             outputChannels: Int, scale: Scale, hourglassDepth: Int,
                             options: BlockOptions) -> FeatureMap {
    builder.scoped(name) {
        let sn = options.spectralNorm
        let identity = scale == .none && x.channels == outputChannels
            ? x
            : builder.add(ConvLayer(builder, "shortcut_func", input: x, outputChannels: outputChannels,
                                    scale: scale, spectralNorm: sn)).output
        var preactivated = x
        builder.scoped("preact_func") {
            // A ReLU or LeakyReLU after the norm runs inside the norm's kernels.
            let fused = options.norm == .none ? nil : Activation.fused(options.activation)
            if options.norm != .none {
                preactivated = builder.add(Normalization(builder, "0", kind: options.norm, input: preactivated,
                                                         activation: fused ?? .identity)).output
            }
            if options.activation != .none && fused == nil {
                let slopes = Activation.registerSlopes(builder, "1", kind: options.activation, channels: x.channels)
                preactivated = builder.add(Activation(builder, "1", kind: options.activation, input: preactivated,
                                                      slopes: slopes)).output
            }
        }
        let (firstScale, secondScale): (Scale, Scale) = switch scale {
        case .down: (.none, .down)
        case .up: (.up, .none)
        case .none: (.none, .none)
        }
        let conv1 = builder.add(ConvLayer(builder, "conv1", input: preactivated, outputChannels: outputChannels,
                                          scale: firstScale, norm: options.norm, activation: options.activation,
                                          spectralNorm: sn))
        let conv2 = builder.add(ConvLayer(builder, "conv2", input: conv1.output, outputChannels: outputChannels,
                                          scale: secondScale, norm: options.norm, spectralNorm: sn))
        let attended = appendHourglassAttention(builder, "att_func", input: conv2.output, depth: hourglassDepth,
                                                mapChannels: options.attention == .spatial2d ? 1 : outputChannels,
                                                options: options)
        return builder.add(Sum(builder, identity, attended)).output
    }
}

/// Channels inside every hourglass (the reference's `c_mid`).
let hourglassChannels = 64

/// Appends the hourglass attention branch (`HourGlassBlock`) under `name`: the input times
/// `sigmoid(out_block(hourglass(input)))`; depth 0 returns the input unchanged.
/// Keys in registration order: b1_L, b2_L, …, b1_1, b2_1, b2_plus_1, b3_1, …, b3_L, out_block.0.
func appendHourglassAttention(_ builder: NetworkBuilder, _ name: String, input: FeatureMap, depth: Int,
                              mapChannels: Int, options: BlockOptions) -> FeatureMap {
    guard depth > 0 else { return input }
    return builder.scoped(name) {
        let hourglass = appendHourglassLevel(builder, level: depth, depth: depth, input: input, options: options)
        let logits = builder.scoped("out_block") {
            builder.add(ConvLayer(builder, "0", input: hourglass, outputChannels: mapChannels,
                                  spectralNorm: options.spectralNorm)).output
        }
        return builder.add(SpatialAttention(builder, features: input, logits: logits)).output
    }
}

/// One hourglass level: `b1(x) + resize(b3(inner(b2(x))))`, inner being the next level or
/// `b2_plus_1` at level 1.
private func appendHourglassLevel(_ builder: NetworkBuilder, level: Int, depth: Int, input: FeatureMap,
                                  options: BlockOptions) -> FeatureMap {
    let c = hourglassChannels
    func conv(_ name: String, _ x: FeatureMap, _ scale: Scale = .none) -> FeatureMap {
        builder.add(ConvLayer(builder, name, input: x, outputChannels: c, scale: scale, norm: options.norm,
                              activation: options.activation, spectralNorm: options.spectralNorm)).output
    }
    let up1 = conv("b1_\(level)", input)
    let low1 = conv("b2_\(level)", input, .down)
    let low2 = level > 1
        ? appendHourglassLevel(builder, level: level - 1, depth: depth, input: low1, options: options)
        : conv("b2_plus_\(level)", low1)
    var up2 = conv("b3_\(level)", low2, .up)
    if up2.height != up1.height || up2.width != up1.width {
        up2 = builder.add(NearestResize(builder, up2, height: up1.height, width: up1.width)).output
    }
    return builder.add(Sum(builder, up1, up2)).output
}
