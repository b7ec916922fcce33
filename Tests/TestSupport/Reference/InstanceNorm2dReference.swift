extension Reference {
    /// InstanceNorm2d (affine, no running statistics) forward: statistics per (n, c) over
    /// (H, W), biased variance; input (N, C, H, W)  weight (C)  bias (C)  →  output,
    /// mean (N·C), variance (N·C).
    public static func instanceNorm2d(input: [Double], weight: [Double], bias: [Double],
                                      batch: Int, channels: Int, plane: Int, epsilon: Double = 1e-5)
        -> (output: [Double], mean: [Double], variance: [Double]) {
        var output = [Double](repeating: 0, count: input.count)
        var mean = [Double](repeating: 0, count: batch * channels)
        var variance = [Double](repeating: 0, count: batch * channels)
        for n in 0..<batch {
            for c in 0..<channels {
                // An (n, c) plane is one sample with one channel: the per-channel statistics of it.
                let nc = n * channels + c
                let slice = Array(input[nc * plane..<(nc + 1) * plane])
                let statistics = channelStatistics(slice, batch: 1, channels: 1, plane: plane)
                mean[nc] = statistics.mean[0]
                variance[nc] = statistics.variance[0]
                for i in 0..<plane {
                    output[nc * plane + i] = weight[c] * (slice[i] - mean[nc]) / (variance[nc] + epsilon).squareRoot() + bias[c]
                }
            }
        }
        return (output, mean, variance)
    }

    /// Gradients of `instanceNorm2d`: (input, weight, bias).
    public static func instanceNorm2dBackward(input: [Double], weight: [Double], outputGradient: [Double],
                                              batch: Int, channels: Int, plane: Int, epsilon: Double = 1e-5)
        -> (input: [Double], weight: [Double], bias: [Double]) {
        var dx = [Double](repeating: 0, count: input.count)
        var dw = [Double](repeating: 0, count: channels)
        var db = [Double](repeating: 0, count: channels)
        for n in 0..<batch {
            for c in 0..<channels {
                // Batch-norm backward of one sample with one channel, weight γ_c.
                let range = (n * channels + c) * plane..<(n * channels + c + 1) * plane
                let g = batchNorm2dTrainingBackward(input: Array(input[range]), weight: [weight[c]],
                                                    outputGradient: Array(outputGradient[range]),
                                                    batch: 1, channels: 1, plane: plane, epsilon: epsilon)
                dx.replaceSubrange(range, with: g.input)
                dw[c] += g.weight[0]
                db[c] += g.bias[0]
            }
        }
        return (dx, dw, db)
    }
}
