extension Reference {
    /// Per-channel mean and biased variance of input (N, C, H, W) over (N, H, W), two-pass.
    public static func channelStatistics(_ input: [Double], batch: Int, channels: Int,
                                         plane: Int) -> (mean: [Double], variance: [Double]) {
        let count = Double(batch * plane)
        var mean = [Double](repeating: 0, count: channels)
        var variance = [Double](repeating: 0, count: channels)
        for c in 0..<channels {
            for n in 0..<batch {
                for i in 0..<plane { mean[c] += input[(n * channels + c) * plane + i] }
            }
            mean[c] /= count
            for n in 0..<batch {
                for i in 0..<plane {
                    let d = input[(n * channels + c) * plane + i] - mean[c]
                    variance[c] += d * d
                }
            }
            variance[c] /= count
        }
        return (mean, variance)
    }

    /// BatchNorm2d training forward, y = γ·(x − mean)/√(var + eps) + β with the batch mean and
    /// biased variance: input (N, C, H, W)  weight (C)  bias (C)  →  output, mean (C), variance (C).
    public static func batchNorm2dTraining(input: [Double], weight: [Double], bias: [Double],
                                           batch: Int, channels: Int, plane: Int, epsilon: Double = 1e-5)
        -> (output: [Double], mean: [Double], variance: [Double]) {
        let (mean, variance) = channelStatistics(input, batch: batch, channels: channels, plane: plane)
        let output = batchNorm2dEval(input: input, weight: weight, bias: bias, runningMean: mean,
                                     runningVariance: variance, batch: batch, channels: channels,
                                     plane: plane, epsilon: epsilon)
        return (output, mean, variance)
    }

    /// Running statistics after one training step (PyTorch: momentum-weighted, the variance
    /// unbiased by count/(count − 1)).
    public static func batchNorm2dRunningStatistics(runningMean: [Double], runningVariance: [Double],
                                                    mean: [Double], variance: [Double], count: Int,
                                                    momentum: Double = 0.1) -> (mean: [Double], variance: [Double]) {
        let m = Double(count)
        return (runningMean.indices.map { (1 - momentum) * runningMean[$0] + momentum * mean[$0] },
                runningVariance.indices.map { (1 - momentum) * runningVariance[$0] + momentum * variance[$0] * m / (m - 1) })
    }

    /// Gradients of `batchNorm2dTraining` (batch statistics depend on the input): (input, weight, bias).
    public static func batchNorm2dTrainingBackward(input: [Double], weight: [Double], outputGradient: [Double],
                                                   batch: Int, channels: Int, plane: Int, epsilon: Double = 1e-5)
        -> (input: [Double], weight: [Double], bias: [Double]) {
        let (mean, variance) = channelStatistics(input, batch: batch, channels: channels, plane: plane)
        let m = Double(batch * plane)
        var dx = [Double](repeating: 0, count: input.count)
        var dw = [Double](repeating: 0, count: channels)
        var db = [Double](repeating: 0, count: channels)
        for c in 0..<channels {
            let invStd = 1 / (variance[c] + epsilon).squareRoot()
            for n in 0..<batch {
                for i in 0..<plane {
                    let j = (n * channels + c) * plane + i
                    db[c] += outputGradient[j]
                    dw[c] += outputGradient[j] * (input[j] - mean[c]) * invStd
                }
            }
            for n in 0..<batch {
                for i in 0..<plane {
                    let j = (n * channels + c) * plane + i
                    let xHat = (input[j] - mean[c]) * invStd
                    dx[j] = weight[c] * invStd / m * (m * outputGradient[j] - db[c] - xHat * dw[c])
                }
            }
        }
        return (dx, dw, db)
    }

    /// BatchNorm2d evaluation forward with given running statistics:
    /// y = γ·(x − rm)/√(rv + eps) + β.
    public static func batchNorm2dEval(input: [Double], weight: [Double], bias: [Double],
                                       runningMean: [Double], runningVariance: [Double],
                                       batch: Int, channels: Int, plane: Int, epsilon: Double = 1e-5) -> [Double] {
        var output = [Double](repeating: 0, count: input.count)
        for n in 0..<batch {
            for c in 0..<channels {
                for i in 0..<plane {
                    let j = (n * channels + c) * plane + i
                    output[j] = weight[c] * (input[j] - runningMean[c]) / (runningVariance[c] + epsilon).squareRoot() + bias[c]
                }
            }
        }
        return output
    }

    /// Gradients of `batchNorm2dEval` with the running statistics fixed: (input, weight, bias).
    public static func batchNorm2dEvalBackward(input: [Double], weight: [Double],
                                               runningMean: [Double], runningVariance: [Double],
                                               outputGradient: [Double], batch: Int, channels: Int, plane: Int,
                                               epsilon: Double = 1e-5) -> (input: [Double], weight: [Double], bias: [Double]) {
        var dx = [Double](repeating: 0, count: input.count)
        var dw = [Double](repeating: 0, count: channels)
        var db = [Double](repeating: 0, count: channels)
        for n in 0..<batch {
            for c in 0..<channels {
                let std = (runningVariance[c] + epsilon).squareRoot()
                for i in 0..<plane {
                    let j = (n * channels + c) * plane + i
                    dx[j] = outputGradient[j] * weight[c] / std
                    dw[c] += outputGradient[j] * (input[j] - runningMean[c]) / std
                    db[c] += outputGradient[j]
                }
            }
        }
        return (dx, dw, db)
    }
}
