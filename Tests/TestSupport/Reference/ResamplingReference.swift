extension Reference {
    /// One input index an output index reads, with its weight.
    public typealias Tap = (index: Int, weight: Double)

    /// Resamples every (H, W) plane separably: output[i, j] = Σ wᵢ·wⱼ·input[iᵢ, iⱼ] over
    /// `rowTaps[i]` × `columnTaps[j]`.
    ///
    /// input (N, C, H, W)  →  output (N, C, rowTaps.count, columnTaps.count)
    public static func resample(_ input: [Double], batch: Int, channels: Int, height: Int, width: Int,
                                rowTaps: [[Tap]], columnTaps: [[Tap]]) -> [Double] {
        let ho = rowTaps.count, wo = columnTaps.count
        var output = [Double](repeating: 0, count: batch * channels * ho * wo)
        for plane in 0..<batch * channels {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    var sum = 0.0
                    for r in rowTaps[oy] {
                        for c in columnTaps[ox] {
                            sum += r.weight * c.weight * input[(plane * height + r.index) * width + c.index]
                        }
                    }
                    output[(plane * ho + oy) * wo + ox] = sum
                }
            }
        }
        return output
    }

    /// The adjoint of `resample`: each output gradient scattered to its taps with their weights.
    public static func resampleBackward(_ outputGradient: [Double], batch: Int, channels: Int, height: Int, width: Int,
                                        rowTaps: [[Tap]], columnTaps: [[Tap]]) -> [Double] {
        let ho = rowTaps.count, wo = columnTaps.count
        var dx = [Double](repeating: 0, count: batch * channels * height * width)
        for plane in 0..<batch * channels {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    let dy = outputGradient[(plane * ho + oy) * wo + ox]
                    for r in rowTaps[oy] {
                        for c in columnTaps[ox] {
                            dx[(plane * height + r.index) * width + c.index] += r.weight * c.weight * dy
                        }
                    }
                }
            }
        }
        return dx
    }

    /// Keys' cubic convolution kernel W(s) with A = −0.75, PyTorch's bicubic.
    public static func cubicWeight(_ s: Double) -> Double {
        let a = -0.75, s = abs(s)
        if s <= 1 { return ((a + 2) * s - (a + 3)) * s * s + 1 }
        if s < 2 { return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a }
        return 0
    }

    /// Cubic taps of output index `d`, align_corners=False: src = (d + 0.5)·scale − 0.5 (not
    /// clamped), taps ⌊src⌋ − 1 … ⌊src⌋ + 2 weighted W(src − tap), each index clamped to [0, size − 1].
    public static func cubicTaps(_ d: Int, scale: Double, size: Int) -> [Tap] {
        let src = (Double(d) + 0.5) * scale - 0.5
        let i = Int(src.rounded(.down))
        return (i - 1 ... i + 2).map { k in (min(max(k, 0), size - 1), cubicWeight(src - Double(k))) }
    }

    /// Linear taps of output index `d`, align_corners=False: src = max((d + 0.5)·scale − 0.5, 0),
    /// taps ⌊src⌋ and min(⌊src⌋ + 1, size − 1) weighted 1 − t and t.
    ///
    /// scale = in/out and src are computed in Float, as PyTorch does for float tensors: their
    /// rounding moves src by up to ~1e-5 at 128 → 224, an error of the definition, not of the kernel.
    public static func linearTaps(_ d: Int, inputSize: Int, outputSize: Int) -> [Tap] {
        let scale = Float(inputSize) / Float(outputSize)
        let src = Double(max(scale * (Float(d) + 0.5) - 0.5, 0))
        let i = Int(src.rounded(.down)), t = src - Double(i)
        return [(i, 1 - t), (min(i + 1, inputSize - 1), t)]
    }

    /// `F.interpolate(x, scale_factor=0.5, mode='bicubic', align_corners=False)` (scale 2 used directly).
    ///
    /// input (N, C, H, W)  →  output (N, C, ⌊H/2⌋, ⌊W/2⌋)
    public static func bicubicDownsample2x(_ input: [Double], batch: Int, channels: Int, height: Int, width: Int) -> [Double] {
        resample(input, batch: batch, channels: channels, height: height, width: width,
                 rowTaps: (0..<height / 2).map { cubicTaps($0, scale: 2, size: height) },
                 columnTaps: (0..<width / 2).map { cubicTaps($0, scale: 2, size: width) })
    }

    /// Input gradient of `bicubicDownsample2x`.
    public static func bicubicDownsample2xBackward(_ outputGradient: [Double], batch: Int, channels: Int,
                                                   height: Int, width: Int) -> [Double] {
        resampleBackward(outputGradient, batch: batch, channels: channels, height: height, width: width,
                         rowTaps: (0..<height / 2).map { cubicTaps($0, scale: 2, size: height) },
                         columnTaps: (0..<width / 2).map { cubicTaps($0, scale: 2, size: width) })
    }

    /// `F.interpolate(x, size=(Ho, Wo), mode='bilinear', align_corners=False)`.
    ///
    /// input (N, C, H, W)  →  output (N, C, Ho, Wo)
    public static func bilinearResize(_ input: [Double], batch: Int, channels: Int, height: Int, width: Int,
                                      outputHeight: Int, outputWidth: Int) -> [Double] {
        resample(input, batch: batch, channels: channels, height: height, width: width,
                 rowTaps: (0..<outputHeight).map { linearTaps($0, inputSize: height, outputSize: outputHeight) },
                 columnTaps: (0..<outputWidth).map { linearTaps($0, inputSize: width, outputSize: outputWidth) })
    }

    /// Input gradient of `bilinearResize`.
    public static func bilinearResizeBackward(_ outputGradient: [Double], batch: Int, channels: Int, height: Int, width: Int,
                                              outputHeight: Int, outputWidth: Int) -> [Double] {
        resampleBackward(outputGradient, batch: batch, channels: channels, height: height, width: width,
                         rowTaps: (0..<outputHeight).map { linearTaps($0, inputSize: height, outputSize: outputHeight) },
                         columnTaps: (0..<outputWidth).map { linearTaps($0, inputSize: width, outputSize: outputWidth) })
    }
}
