// Bicubic and bilinear resampling with align_corners=False and no antialias, as PyTorch's
// `upsample_bicubic2d` / `upsample_bilinear2d` (aten UpSample.h, cpu/UpSampleKernel.cpp).
// Face-SPARNet: MultiScaleDiscriminator (models/networks.py) downsamples between scales with
// `interpolate(x, scale_factor=0.5, mode='bicubic', align_corners=False)`; PCPFeat.preprocess
// (models/loss.py) resizes the VGG input with `interpolate(x, size=(224, 224), mode='bilinear',
// align_corners=False)` when it is narrower than 224.
//
// Output index d samples the input at src = (d + 0.5) · scale − 0.5 (area_pixel_compute_source_index).
// Linear: scale = in / out (Float), src < 0 clamped to 0, taps ⌊src⌋ and min(⌊src⌋ + 1, in − 1)
// with weights 1 − t and t, t = src − ⌊src⌋. Cubic: src not clamped, taps ⌊src⌋ − 1 … ⌊src⌋ + 2
// clamped to [0, in − 1] (a clamped tap keeps its weight), Keys weights with A = −0.75.

/// Cubic-convolution weight W(1.5) (A = −0.75) of the two outer taps at fraction t = 0.5.
private let cubicHalfOuter: Float = -0.09375
/// Cubic-convolution weight W(0.5) (A = −0.75) of the two inner taps at fraction t = 0.5.
private let cubicHalfInner: Float = 0.59375

/// Σ of the four taps of a row at fraction 0.5, in aten's order (x0·c0 + x1·c1 + x2·c2 + x3·c3).
@inline(__always)
private func cubicHalf(_ row: UnsafePointer<Float>, _ c0: Int, _ c1: Int, _ c2: Int, _ c3: Int) -> Float {
    cubicHalfOuter * row[c0] + cubicHalfInner * row[c1] + cubicHalfInner * row[c2] + cubicHalfOuter * row[c3]
}

/// Adds `g` times the four tap weights at fraction 0.5 into a row.
@inline(__always)
private func scatterCubicHalf(_ row: UnsafeMutablePointer<Float>, _ g: Float, _ c0: Int, _ c1: Int, _ c2: Int, _ c3: Int) {
    row[c0] += g * cubicHalfOuter
    row[c1] += g * cubicHalfInner
    row[c2] += g * cubicHalfInner
    row[c3] += g * cubicHalfOuter
}

/// Bicubic ×0.5 downsampling forward, as `F.interpolate(x, scale_factor=0.5, mode='bicubic',
/// align_corners=False)` in PyTorch ≥ 1.6 (the scale 1/0.5 = 2 is used directly); overwrites `output`.
///
/// input (N, C, H, W)  output (N, C, ⌊H/2⌋, ⌊W/2⌋); H, W ≥ 2.
/// With scale 2, src = 2d + 0.5 for every output, so the taps are 2d − 1 … 2d + 2 (clamped to
/// [0, in − 1]) with the fixed weights [−0.09375, 0.59375, 0.59375, −0.09375].
public func bicubicDownsample2xForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                       batch: Int, channels: Int, height: Int, width: Int) {
    precondition(batch > 0 && channels > 0 && height >= 2 && width >= 2,
                 "bicubicDownsample2x: needs positive sizes and an input of at least 2×2 (got (\(batch), \(channels), \(height), \(width)))")
    let h = height, w = width, ho = h / 2, wo = w / 2
    for plane in 0..<batch * channels {
        let x = input + plane * h * w
        let y = output + plane * ho * wo
        for oy in 0..<ho {
            // 2·oy and 2·oy + 1 ≤ 2·ho − 1 ≤ h − 1 are always inside; only the outer taps clamp.
            let r1 = x + 2 * oy * w, r2 = r1 + w
            let r0 = x + max(2 * oy - 1, 0) * w, r3 = x + min(2 * oy + 2, h - 1) * w
            let dst = y + oy * wo
            for ox in 0..<wo {
                let c1 = 2 * ox, c2 = c1 + 1, c0 = max(c1 - 1, 0), c3 = min(c1 + 2, w - 1)
                dst[ox] = cubicHalfOuter * cubicHalf(r0, c0, c1, c2, c3) + cubicHalfInner * cubicHalf(r1, c0, c1, c2, c3)
                    + cubicHalfInner * cubicHalf(r2, c0, c1, c2, c3) + cubicHalfOuter * cubicHalf(r3, c0, c1, c2, c3)
            }
        }
    }
}

/// Bicubic ×0.5 downsampling backward, the adjoint of `bicubicDownsample2xForward` (each output
/// gradient scattered to its 16 taps with the same weights); accumulates (`+=`) into `inputGradient`.
///
/// outputGradient (N, C, ⌊H/2⌋, ⌊W/2⌋)  inputGradient (N, C, H, W)
public func bicubicDownsample2xBackward(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                                        batch: Int, channels: Int, height: Int, width: Int) {
    precondition(batch > 0 && channels > 0 && height >= 2 && width >= 2,
                 "bicubicDownsample2x backward: needs positive sizes and an input of at least 2×2 (got (\(batch), \(channels), \(height), \(width)))")
    let h = height, w = width, ho = h / 2, wo = w / 2
    for plane in 0..<batch * channels {
        let dy = outputGradient + plane * ho * wo
        let dx = inputGradient + plane * h * w
        for oy in 0..<ho {
            let r1 = dx + 2 * oy * w, r2 = r1 + w
            let r0 = dx + max(2 * oy - 1, 0) * w, r3 = dx + min(2 * oy + 2, h - 1) * w
            let src = dy + oy * wo
            for ox in 0..<wo {
                let g = src[ox]
                let c1 = 2 * ox, c2 = c1 + 1, c0 = max(c1 - 1, 0), c3 = min(c1 + 2, w - 1)
                scatterCubicHalf(r0, g * cubicHalfOuter, c0, c1, c2, c3)
                scatterCubicHalf(r1, g * cubicHalfInner, c0, c1, c2, c3)
                scatterCubicHalf(r2, g * cubicHalfInner, c0, c1, c2, c3)
                scatterCubicHalf(r3, g * cubicHalfOuter, c0, c1, c2, c3)
            }
        }
    }
}

/// The two taps and weights of output index `d` for align_corners=False linear resampling.
@inline(__always)
private func linearTaps(_ d: Int, scale: Float, size: Int) -> (i0: Int, i1: Int, w0: Float, w1: Float) {
    // One fused multiply-add, as PyTorch's vectorized CPU kernel computes it (one rounding).
    let src = max((-0.5 as Float).addingProduct(scale, Float(d) + 0.5), 0)
    let i0 = min(Int(src), size - 1)                 // src ≥ 0, so truncation is ⌊src⌋
    let t = min(src - Float(i0), 1)
    return (i0, i0 < size - 1 ? i0 + 1 : i0, 1 - t, t)
}

/// Bilinear resizing forward, as `F.interpolate(x, size=(Ho, Wo), mode='bilinear',
/// align_corners=False)`; overwrites `output`.
///
/// input (N, C, H, W)  output (N, C, Ho, Wo); scales H/Ho and W/Wo in Float.
public func bilinearResizeForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                  batch: Int, channels: Int, height: Int, width: Int,
                                  outputHeight: Int, outputWidth: Int) {
    precondition(batch > 0 && channels > 0 && height > 0 && width > 0 && outputHeight > 0 && outputWidth > 0,
                 "bilinearResize: sizes must be positive (got (\(batch), \(channels), \(height), \(width)) → (\(outputHeight), \(outputWidth)))")
    let h = height, w = width, ho = outputHeight, wo = outputWidth
    let scaleY = Float(h) / Float(ho), scaleX = Float(w) / Float(wo)
    for plane in 0..<batch * channels {
        let x = input + plane * h * w
        let y = output + plane * ho * wo
        for oy in 0..<ho {
            let ty = linearTaps(oy, scale: scaleY, size: h)
            let r0 = x + ty.i0 * w, r1 = x + ty.i1 * w
            let dst = y + oy * wo
            for ox in 0..<wo {
                let tx = linearTaps(ox, scale: scaleX, size: w)
                dst[ox] = ty.w0 * (tx.w0 * r0[tx.i0] + tx.w1 * r0[tx.i1])
                    + ty.w1 * (tx.w0 * r1[tx.i0] + tx.w1 * r1[tx.i1])
            }
        }
    }
}

/// Bilinear resizing backward, the adjoint of `bilinearResizeForward` (each output gradient
/// scattered to its four taps); accumulates (`+=`) into `inputGradient`.
///
/// outputGradient (N, C, Ho, Wo)  inputGradient (N, C, H, W)
public func bilinearResizeBackward(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                                   batch: Int, channels: Int, height: Int, width: Int,
                                   outputHeight: Int, outputWidth: Int) {
    precondition(batch > 0 && channels > 0 && height > 0 && width > 0 && outputHeight > 0 && outputWidth > 0,
                 "bilinearResize backward: sizes must be positive (got (\(batch), \(channels), \(height), \(width)) → (\(outputHeight), \(outputWidth)))")
    let h = height, w = width, ho = outputHeight, wo = outputWidth
    let scaleY = Float(h) / Float(ho), scaleX = Float(w) / Float(wo)
    for plane in 0..<batch * channels {
        let dy = outputGradient + plane * ho * wo
        let dx = inputGradient + plane * h * w
        for oy in 0..<ho {
            let ty = linearTaps(oy, scale: scaleY, size: h)
            let r0 = dx + ty.i0 * w, r1 = dx + ty.i1 * w
            let src = dy + oy * wo
            for ox in 0..<wo {
                let tx = linearTaps(ox, scale: scaleX, size: w)
                let g0 = ty.w0 * src[ox], g1 = ty.w1 * src[ox]
                r0[tx.i0] += g0 * tx.w0
                r0[tx.i1] += g0 * tx.w1
                r1[tx.i0] += g1 * tx.w0
                r1[tx.i1] += g1 * tx.w1
            }
        }
    }
}
