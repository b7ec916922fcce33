// Instance normalization with PyTorch's `nn.InstanceNorm2d(affine=True,
// track_running_stats=False)` semantics: statistics per (n, c) over (H, W) with the biased
// variance, in training and evaluation alike; per-channel γ and β.

/// Instance-norm forward: overwrites `output`, `savedMean` and `savedInverseStd`,
/// y = γ_c·(x − mean_nc)·invStd_nc + β_c with invStd = 1/√(biased var + eps).
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
                                  epsilon: Float = 1e-5) {
    precondition(batch > 0 && channels > 0 && plane > 1 && epsilon >= 0,
                 "InstanceNorm2d: needs positive sizes and more than one spatial element (batch \(batch), channels \(channels), plane \(plane)), eps \(epsilon) ≥ 0")
    let p = Double(plane)
    for n in 0..<batch {
        for c in 0..<channels {
            let nc = n * channels + c
            let x = input + nc * plane, y = output + nc * plane
            let (sum, sumOfSquares) = sumAndSumOfSquares(x, count: plane)
            let meanD = sum / p
            let variance = max(sumOfSquares / p - meanD * meanD, 0)
            let mean = Float(meanD), invStd = Float(1 / (variance + Double(epsilon)).squareRoot())
            savedMean[nc] = mean
            savedInverseStd[nc] = invStd
            let scale = weight[c] * invStd, shift = bias[c]
            for i in 0..<plane { y[i] = (x[i] - mean) * scale + shift }
        }
    }
}

/// Instance-norm backward; accumulates (`+=`) into every gradient that is not nil, with
/// P = H·W and sums over one (n, c) plane:
/// dx += γ_c·invStd/P·(P·dy − Σdy − xHat·Σdy·xHat);  dγ_c += Σ_n Σdy·xHat;  dβ_c += Σ_n Σdy.
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
                                   biasGradient: UnsafeMutablePointer<Float>?) {
    precondition(batch > 0 && channels > 0 && plane > 1,
                 "InstanceNorm2d: needs positive sizes and more than one spatial element (batch \(batch), channels \(channels), plane \(plane))")
    let p = Double(plane)
    for n in 0..<batch {
        for c in 0..<channels {
            let nc = n * channels + c
            let x = input + nc * plane, dy = outputGradient + nc * plane
            let mean = savedMean[nc], invStd = Double(savedInverseStd[nc])
            let (sumDy, sumDyCentered) = sumAndCenteredDot(dy, x, mean: mean, count: plane)
            let sumDyXHat = sumDyCentered * invStd
            if let biasGradient { biasGradient[c] += Float(sumDy) }
            if let weightGradient { weightGradient[c] += Float(sumDyXHat) }
            if let inputGradient {
                // dx += k·dy + a·(x − mean) + b, the formula above expanded.
                let kD = Double(weight[c]) * invStd
                let k = Float(kD), a = Float(-kD * invStd * sumDyXHat / p), b = Float(-kD * sumDy / p)
                let dx = inputGradient + nc * plane
                for i in 0..<plane { dx[i] += k * dy[i] + a * (x[i] - mean) + b }
            }
        }
    }
}
