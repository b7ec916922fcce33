// Nearest-neighbour upsampling and resizing, as PyTorch's `F.interpolate(mode='nearest')`
// (legacy 'nearest', not 'nearest-exact'). Face-SPARNet models/blocks.py: ConvLayer(scale='up')
// upsamples ×2 (`scale_factor=2`); HourGlass resizes its low branch to the skip branch's size
// (`interpolate(up2, up1.shape[2:])`) when the two differ.
//
// Output index d reads input index min(⌊d · scale⌋, in − 1), scale = in / out, both in Float as
// aten's `nearest_neighbor_compute_source_index` (UpSample.h) and `nearest_idx`
// (cpu/UpSampleKernel.cpp). Batch and channels are one dimension of planes, as in aten.

/// The input index that output index `d` reads, given the Float scale `in / out`.
@inline(__always)
func nearestSource(_ d: Int, scale: Float, size: Int) -> Int {
    min(Int((Float(d) * scale).rounded(.down)), size - 1)
}

/// Nearest ×2 upsampling forward, as `F.interpolate(x, scale_factor=2, mode='nearest')`;
/// overwrites `output`.
///
/// input (N, C, H, W)  output (N, C, 2H, 2W), output[i, j] = input[i / 2, j / 2]
public func nearestUpsample2xForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                     batch: Int, channels: Int, height: Int, width: Int) {
    precondition(batch > 0 && channels > 0 && height > 0 && width > 0,
                 "nearestUpsample2x: sizes must be positive (got (\(batch), \(channels), \(height), \(width)))")
    let h = height, w = width, wo = 2 * w
    for plane in 0..<batch * channels {
        let x = input + plane * h * w
        let y = output + plane * 4 * h * w
        for i in 0..<h {
            let src = x + i * w, dst = y + 2 * i * wo
            for j in 0..<w {
                let v = src[j]
                dst[2 * j] = v
                dst[2 * j + 1] = v
            }
            (dst + wo).update(from: dst, count: wo)
        }
    }
}

/// Nearest ×2 upsampling backward: each input gradient gains the sum of its 2×2 children;
/// accumulates (`+=`) into `inputGradient`.
///
/// outputGradient (N, C, 2H, 2W)  inputGradient (N, C, H, W)
public func nearestUpsample2xBackward(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                                      batch: Int, channels: Int, height: Int, width: Int) {
    precondition(batch > 0 && channels > 0 && height > 0 && width > 0,
                 "nearestUpsample2x backward: sizes must be positive (got (\(batch), \(channels), \(height), \(width)))")
    let h = height, w = width, wo = 2 * w
    for plane in 0..<batch * channels {
        let dy = outputGradient + plane * 4 * h * w
        let dx = inputGradient + plane * h * w
        for i in 0..<h {
            let top = dy + 2 * i * wo, bottom = top + wo, row = dx + i * w
            for j in 0..<w {
                row[j] += (top[2 * j] + top[2 * j + 1]) + (bottom[2 * j] + bottom[2 * j + 1])
            }
        }
    }
}

/// Nearest resizing forward to a given size, as `F.interpolate(x, size=(Ho, Wo), mode='nearest')`;
/// overwrites `output`.
///
/// input (N, C, H, W)  output (N, C, Ho, Wo),
/// output[i, j] = input[min(⌊i · H/Ho⌋, H − 1), min(⌊j · W/Wo⌋, W − 1)] with Float scales.
public func nearestResizeForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                 batch: Int, channels: Int, height: Int, width: Int,
                                 outputHeight: Int, outputWidth: Int) {
    precondition(batch > 0 && channels > 0 && height > 0 && width > 0 && outputHeight > 0 && outputWidth > 0,
                 "nearestResize: sizes must be positive (got (\(batch), \(channels), \(height), \(width)) → (\(outputHeight), \(outputWidth)))")
    let h = height, w = width, ho = outputHeight, wo = outputWidth
    let scaleY = Float(h) / Float(ho), scaleX = Float(w) / Float(wo)
    for plane in 0..<batch * channels {
        let x = input + plane * h * w
        let y = output + plane * ho * wo
        for oy in 0..<ho {
            let src = x + nearestSource(oy, scale: scaleY, size: h) * w
            let dst = y + oy * wo
            for ox in 0..<wo { dst[ox] = src[nearestSource(ox, scale: scaleX, size: w)] }
        }
    }
}

/// Nearest resizing backward: each output gradient is added to the input it read;
/// accumulates (`+=`) into `inputGradient`.
///
/// outputGradient (N, C, Ho, Wo)  inputGradient (N, C, H, W)
public func nearestResizeBackward(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                                  batch: Int, channels: Int, height: Int, width: Int,
                                  outputHeight: Int, outputWidth: Int) {
    precondition(batch > 0 && channels > 0 && height > 0 && width > 0 && outputHeight > 0 && outputWidth > 0,
                 "nearestResize backward: sizes must be positive (got (\(batch), \(channels), \(height), \(width)) → (\(outputHeight), \(outputWidth)))")
    let h = height, w = width, ho = outputHeight, wo = outputWidth
    let scaleY = Float(h) / Float(ho), scaleX = Float(w) / Float(wo)
    for plane in 0..<batch * channels {
        let dy = outputGradient + plane * ho * wo
        let dx = inputGradient + plane * h * w
        for oy in 0..<ho {
            let src = dy + oy * wo
            let dst = dx + nearestSource(oy, scale: scaleY, size: h) * w
            for ox in 0..<wo { dst[nearestSource(ox, scale: scaleX, size: w)] += src[ox] }
        }
    }
}
