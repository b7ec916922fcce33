// Elementwise kernels: the residual add and the Face Attention Unit's multiply
// (models/blocks.py: `out = identity + att_func(out)`, `x = input_x * self.att_map`).
// Memory-bound single passes with contiguous inner loops.

/// Elementwise sum; overwrites `output`, which may be `a` or `b`.
///
/// a (count)  b (count)  output (count)
public func addForward(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                       output: UnsafeMutablePointer<Float>, count: Int) {
    precondition(count >= 0, "add: negative count \(count)")
    forEachRange(count, work: count, ElementwiseSum(a: a, b: b, output: output))
}

private struct ElementwiseSum: RangeWork {
    let a: UnsafePointer<Float>, b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
    func run(_ range: Range<Int>) {
        for i in range { output[i] = a[i] + b[i] }
    }
}

/// Backward of `addForward`; accumulates (`+=`) the output gradient into each input gradient
/// that is not nil.
///
/// outputGradient (count)  aGradient (count) or nil  bGradient (count) or nil
public func addBackward(outputGradient: UnsafePointer<Float>,
                        aGradient: UnsafeMutablePointer<Float>?, bGradient: UnsafeMutablePointer<Float>?,
                        count: Int) {
    precondition(count >= 0, "add: negative count \(count)")
    if let aGradient { accumulate(outputGradient, into: aGradient, count: count) }
    if let bGradient { accumulate(outputGradient, into: bGradient, count: count) }
}

/// In-place sum `target += source`: a residual shortcut added onto the branch output that
/// `target` holds. Its backward is `accumulate(targetGradient, into: sourceGradient)`, the
/// target's own gradient passing through unchanged.
///
/// source (count)  target (count)
public func accumulate(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
    precondition(count >= 0, "accumulate: negative count \(count)")
    forEachRange(count, work: count, Accumulation(source: source, target: target))
}

private struct Accumulation: RangeWork {
    let source: UnsafePointer<Float>, target: UnsafeMutablePointer<Float>
    func run(_ range: Range<Int>) {
        for i in range { target[i] += source[i] }
    }
}

/// The sizes of a Face Attention Unit multiply `features * attention`, where the attention map
/// (the sigmoid output of the hourglass) has one channel broadcast over all feature channels
/// ("2D attention", `att_name = spar`) or one channel per feature channel ("3D attention", `spar3d`).
///
/// features (N, C, H, W)  attention (N, Cm, H, W) with Cm = 1 or C  output (N, C, H, W)
public struct AttentionGeometry: Hashable, Sendable, CustomStringConvertible {
    /// N.
    public let batch: Int
    /// C, the feature channels.
    public let channels: Int
    /// Cm, the attention map's channels: 1 (2D attention) or C (3D attention).
    public let attentionChannels: Int
    /// H.
    public let height: Int
    /// W.
    public let width: Int

    /// Creates the geometry; `attentionChannels` must be 1 or `channels`.
    public init(batch: Int, channels: Int, attentionChannels: Int, height: Int, width: Int) {
        precondition(batch > 0 && channels > 0 && height > 0 && width > 0,
                     "AttentionMultiply: sizes must be positive (batch \(batch), channels \(channels), \(height)×\(width))")
        precondition(attentionChannels == 1 || attentionChannels == channels,
                     "AttentionMultiply: attention has \(attentionChannels) channels; needs 1 or \(channels)")
        self.batch = batch
        self.channels = channels
        self.attentionChannels = attentionChannels
        self.height = height
        self.width = width
    }

    /// Elements of the features, the output and their gradients: N·C·H·W.
    public var featureCount: Int { batch * channels * height * width }
    /// Elements of the attention map and its gradient: N·Cm·H·W.
    public var attentionCount: Int { batch * attentionChannels * height * width }

    /// The two shapes, as PyTorch prints sizes.
    public var description: String {
        "attention (\(batch), \(channels), \(height), \(width)) × (\(batch), \(attentionChannels), \(height), \(width))"
    }
}

/// Face Attention Unit multiply `features * attention`, broadcasting a one-channel map over
/// the feature channels; overwrites `output`.
///
/// features (N, C, H, W)  attention (N, Cm, H, W)  output (N, C, H, W)
public func attentionMultiplyForward(_ g: AttentionGeometry,
                                     features: UnsafePointer<Float>, attention: UnsafePointer<Float>,
                                     output: UnsafeMutablePointer<Float>) {
    forEachRange(g.batch * g.channels, work: 3 * g.batch * g.channels * g.height * g.width,
                 AttentionMultiplyPlanes(g: g, features: features, attention: attention, output: output))
}

/// The forward of a range of (image, channel) planes.
private struct AttentionMultiplyPlanes: RangeWork {
    let g: AttentionGeometry
    let features: UnsafePointer<Float>, attention: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>

    func run(_ planes: Range<Int>) {
        let plane = g.height * g.width
        for index in planes {
            let (n, c) = index.quotientAndRemainder(dividingBy: g.channels)
            let xc = features + index * plane, yc = output + index * plane
            let mc = attention + (n * g.attentionChannels + (g.attentionChannels == 1 ? 0 : c)) * plane
            for i in 0..<plane { yc[i] = xc[i] * mc[i] }
        }
    }
}

/// Backward of `attentionMultiplyForward`; accumulates (`+=`) into each gradient that is not nil:
/// `featuresGradient += dy · attention`, and `attentionGradient += dy · features`, summed over
/// the channels a one-channel map is broadcast to.
///
/// features (N, C, H, W)  attention (N, Cm, H, W)  outputGradient (N, C, H, W)
/// featuresGradient (N, C, H, W) or nil  attentionGradient (N, Cm, H, W) or nil
public func attentionMultiplyBackward(_ g: AttentionGeometry,
                                      features: UnsafePointer<Float>, attention: UnsafePointer<Float>,
                                      outputGradient: UnsafePointer<Float>,
                                      featuresGradient: UnsafeMutablePointer<Float>?,
                                      attentionGradient: UnsafeMutablePointer<Float>?) {
    guard featuresGradient != nil || attentionGradient != nil else { return }
    // By image: a one-channel map's gradient sums over the channels of its own image only.
    forEachRange(g.batch, work: 4 * g.batch * g.channels * g.height * g.width,
                 AttentionMultiplyBackwardImages(g: g, features: features, attention: attention,
                                                 outputGradient: outputGradient, featuresGradient: featuresGradient,
                                                 attentionGradient: attentionGradient))
}

private struct AttentionMultiplyBackwardImages: RangeWork {
    let g: AttentionGeometry
    let features: UnsafePointer<Float>, attention: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>
    let featuresGradient: UnsafeMutablePointer<Float>?, attentionGradient: UnsafeMutablePointer<Float>?

    func run(_ images: Range<Int>) {
        let plane = g.height * g.width
        let mapChannelStride = g.attentionChannels == 1 ? 0 : plane
        for n in images {
            let image = n * g.channels * plane, map = n * g.attentionChannels * plane
            for c in 0..<g.channels {
                let x = features + image + c * plane, dy = outputGradient + image + c * plane
                let m = attention + map + c * mapChannelStride
                // With Cm = 1 every channel adds into the same dm plane: the broadcast's sum over C.
                switch (featuresGradient, attentionGradient) {
                case let (dx?, dm?):
                    let dxc = dx + image + c * plane, dmc = dm + map + c * mapChannelStride
                    for i in 0..<plane {
                        dxc[i] += dy[i] * m[i]
                        dmc[i] += dy[i] * x[i]
                    }
                case let (dx?, nil):
                    let dxc = dx + image + c * plane
                    for i in 0..<plane { dxc[i] += dy[i] * m[i] }
                case let (nil, dm?):
                    let dmc = dm + map + c * mapChannelStride
                    for i in 0..<plane { dmc[i] += dy[i] * x[i] }
                case (nil, nil):
                    return
                }
            }
        }
    }
}
