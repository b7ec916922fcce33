import Kernels

extension Reference {
    /// The padded input value at (n, c, y, x) with y, x in padded coordinates shifted by −p,
    /// and the source index it reads (nil for zero padding); with `upsamplesInput`, (y, x) are
    /// coordinates of the ×2 upsampled input.
    static func paddedIndex(_ g: Conv2dGeometry, n: Int, c: Int, y: Int, x: Int) -> Int? {
        var y = y, x = x
        switch g.padding {
        case .none, .zero:
            if y < 0 || y >= g.height || x < 0 || x >= g.width { return nil }
        case .reflect:
            if y < 0 { y = -y } else if y >= g.height { y = 2 * (g.height - 1) - y }
            if x < 0 { x = -x } else if x >= g.width { x = 2 * (g.width - 1) - x }
        }
        // Nearest ×2 upsampling: pixel (y, x) of the upsampled input is (y/2, x/2) of the stored one.
        if g.upsamplesInput { (y, x) = (y / 2, x / 2) }
        return ((n * g.inputChannels + c) * g.storedHeight + y) * g.storedWidth + x
    }

    /// input (N, C, H, W)  weight (O, C, K, K)  bias (O) or empty  →  output (N, O, Ho, Wo)
    public static func conv2d(_ g: Conv2dGeometry, input: [Double], weight: [Double], bias: [Double]) -> [Double] {
        let (ho, wo, k, p, s) = (g.outputHeight, g.outputWidth, g.kernelSize, g.padding.amount, g.stride)
        var output = [Double](repeating: 0, count: g.outputCount)
        for n in 0..<g.batch {
            for o in 0..<g.outputChannels {
                for oy in 0..<ho {
                    for ox in 0..<wo {
                        var sum = bias.isEmpty ? 0 : bias[o]
                        for c in 0..<g.inputChannels {
                            for ki in 0..<k {
                                for kj in 0..<k {
                                    guard let i = paddedIndex(g, n: n, c: c, y: oy * s + ki - p, x: ox * s + kj - p) else { continue }
                                    sum += input[i] * weight[((o * g.inputChannels + c) * k + ki) * k + kj]
                                }
                            }
                        }
                        output[((n * g.outputChannels + o) * ho + oy) * wo + ox] = sum
                    }
                }
            }
        }
        return output
    }

    /// Gradients of `conv2d` given the output gradient: (input, weight, bias).
    public static func conv2dBackward(_ g: Conv2dGeometry, input: [Double], weight: [Double],
                                      outputGradient: [Double]) -> (input: [Double], weight: [Double], bias: [Double]) {
        let (ho, wo, k, p, s) = (g.outputHeight, g.outputWidth, g.kernelSize, g.padding.amount, g.stride)
        var dx = [Double](repeating: 0, count: g.inputCount)
        var dw = [Double](repeating: 0, count: g.weightCount)
        var db = [Double](repeating: 0, count: g.outputChannels)
        for n in 0..<g.batch {
            for o in 0..<g.outputChannels {
                for oy in 0..<ho {
                    for ox in 0..<wo {
                        let dy = outputGradient[((n * g.outputChannels + o) * ho + oy) * wo + ox]
                        db[o] += dy
                        for c in 0..<g.inputChannels {
                            for ki in 0..<k {
                                for kj in 0..<k {
                                    guard let i = paddedIndex(g, n: n, c: c, y: oy * s + ki - p, x: ox * s + kj - p) else { continue }
                                    let wi = ((o * g.inputChannels + c) * k + ki) * k + kj
                                    dx[i] += dy * weight[wi]
                                    dw[wi] += dy * input[i]
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dx, dw, db)
    }
}
