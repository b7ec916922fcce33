// Instance normalization with PyTorch's `nn.InstanceNorm2d(affine=True,
// track_running_stats=False)` semantics: statistics per (n, c) over (H, W) with the biased
// variance, in training and evaluation alike; per-channel γ and β.

/// Instance-norm forward: overwrites `output`, `savedMean` and `savedInverseStd`,
/// y = γ_c·(x − mean_nc)·invStd_nc + β_c with invStd = 1/√(biased var + eps), then the fused
/// `activation` (y = act(…)) when given.
///
/// input (N, C, H, W)  weight (C)  bias (C)  output (N, C, H, W), `plane` = H·W > 1 (PyTorch
/// rejects a single spatial element).
/// savedMean, savedInverseStd: N·C floats each, indexed n·C + c, kept for the backward.
/// Statistics are accumulated in Double, so they stay accurate when the mean is large.
/// `output` may be `input` only when no backward follows (the backward needs the input).
public func instanceNorm2dForward(batch: Int, channels: Int, plane: Int,
                                  input: UnsafePointer<Float>,
                                  weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                  output: UnsafeMutablePointer<Float>,
                                  savedMean: UnsafeMutablePointer<Float>,
                                  savedInverseStd: UnsafeMutablePointer<Float>,
                                  epsilon: Float = 1e-5, activation: FusedActivation = .identity) {
    precondition(batch > 0 && channels > 0 && plane > 1 && epsilon >= 0,
                 "InstanceNorm2d: needs positive sizes and more than one spatial element (batch \(batch), channels \(channels), plane \(plane)), eps \(epsilon) ≥ 0")
    struct Work: RangeWork {
        let channels: Int, plane: Int
        let input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>
        let output: UnsafeMutablePointer<Float>
        let savedMean: UnsafeMutablePointer<Float>, savedInverseStd: UnsafeMutablePointer<Float>
        let epsilon: Float, negativeScale: Float
        func run(_ planes: Range<Int>) {
            let p = Double(plane)
            for nc in planes {
                let c = nc % channels
                let x = input + nc * plane
                let (sum, sumOfSquares) = sumAndSumOfSquares(x, count: plane)
                let meanD = sum / p
                let variance = max(sumOfSquares / p - meanD * meanD, 0)
                let mean = Float(meanD), invStd = Float(1 / (variance + Double(epsilon)).squareRoot())
                savedMean[nc] = mean
                savedInverseStd[nc] = invStd
                normalizeAndActivate(x, into: output + nc * plane, count: plane, mean: mean,
                                     scale: weight[c] * invStd, shift: bias[c], negativeScale: negativeScale)
            }
        }
    }
    forEachRange(batch * channels, work: batch * channels * plane,
                 Work(channels: channels, plane: plane, input: input, weight: weight, bias: bias, output: output,
                      savedMean: savedMean, savedInverseStd: savedInverseStd, epsilon: epsilon,
                      negativeScale: activation.negativeScale))
}

/// Instance-norm backward; accumulates (`+=`) into every gradient that is not nil, with
/// P = H·W and sums over one (n, c) plane:
/// dx += γ_c·invStd/P·(P·dy − Σdy − xHat·Σdy·xHat);  dγ_c += Σ_n Σdy·xHat;  dβ_c += Σ_n Σdy.
/// With `activation`, `outputGradient` is the gradient of the activated `output` of the
/// forward (required then), and dy above is the norm's own output gradient derived from them.
///
/// input (N, C, H, W)  weight (C)  outputGradient (N, C, H, W)
/// inputGradient (N, C, H, W)  weightGradient (C)  biasGradient (C), `plane` = H·W;
/// savedMean, savedInverseStd (N·C) from `instanceNorm2dForward`.
public func instanceNorm2dBackward(batch: Int, channels: Int, plane: Int,
                                   input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                   outputGradient: UnsafePointer<Float>,
                                   savedMean: UnsafePointer<Float>, savedInverseStd: UnsafePointer<Float>,
                                   inputGradient: UnsafeMutablePointer<Float>?,
                                   weightGradient: UnsafeMutablePointer<Float>?,
                                   biasGradient: UnsafeMutablePointer<Float>?,
                                   activation: FusedActivation = .identity, output: UnsafePointer<Float>? = nil) {
    precondition(batch > 0 && channels > 0 && plane > 1,
                 "InstanceNorm2d: needs positive sizes and more than one spatial element (batch \(batch), channels \(channels), plane \(plane))")
    let gradient = NormGradient(activation, output: output, outputGradient: outputGradient, name: "InstanceNorm2d")
    // By channel: γ_c and β_c gather over the batch, and each channel has one writer.
    struct Work: RangeWork {
        let batch: Int, channels: Int, plane: Int
        let input: UnsafePointer<Float>, weight: UnsafePointer<Float>, gradient: NormGradient
        let savedMean: UnsafePointer<Float>, savedInverseStd: UnsafePointer<Float>
        let inputGradient: UnsafeMutablePointer<Float>?
        let weightGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?
        func run(_ range: Range<Int>) {
            let p = Double(plane)
            for c in range {
                for n in 0..<batch {
                    let nc = n * channels + c
                    let x = input + nc * plane
                    let mean = savedMean[nc], invStd = Double(savedInverseStd[nc])
                    let (sumDy, sumDyCentered) = gradient.sumAndCenteredDot(at: nc * plane, x, mean: mean, count: plane)
                    let sumDyXHat = sumDyCentered * invStd
                    if let biasGradient { biasGradient[c] += Float(sumDy) }
                    if let weightGradient { weightGradient[c] += Float(sumDyXHat) }
                    if let inputGradient {
                        // dx += k·dy + a·(x − mean) + b, the formula above expanded.
                        let kD = Double(weight[c]) * invStd
                        gradient.addNormInputGradient(at: nc * plane, x, mean: mean, k: Float(kD),
                                                      a: Float(-kD * invStd * sumDyXHat / p), b: Float(-kD * sumDy / p),
                                                      count: plane, into: inputGradient + nc * plane)
                    }
                }
            }
        }
    }
    forEachRange(channels, work: batch * channels * plane,
                 Work(batch: batch, channels: channels, plane: plane, input: input, weight: weight, gradient: gradient,
                      savedMean: savedMean, savedInverseStd: savedInverseStd, inputGradient: inputGradient,
                      weightGradient: weightGradient, biasGradient: biasGradient))
}
