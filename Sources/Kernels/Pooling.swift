// 2×2 max pooling with stride 2, as VGG19's `nn.MaxPool2d(2, 2)` (no padding, floor mode): the
// last row / column of an odd-sized input belongs to no window. Backward recomputes each
// window's argmax from the input instead of storing indices, so it needs no scratch.

/// Offset of the maximum of the row-major 2×2 window at `p` (row stride `w`): the first maximum
/// on ties and a NaN if there is one, as aten's `(val > maxval) || isnan(val)` scan.
@inline(__always)
private func windowArgmax(_ p: UnsafePointer<Float>, _ w: Int) -> Int {
    var best = 0, m = p[0]
    let v1 = p[1]
    if v1 > m || v1.isNaN { best = 1; m = v1 }
    let v2 = p[w]
    if v2 > m || v2.isNaN { best = w; m = v2 }
    let v3 = p[w + 1]
    if v3 > m || v3.isNaN { best = w + 1 }
    return best
}

/// 2×2 stride-2 max pooling forward; overwrites `output`.
///
/// input (N, C, H, W)  output (N, C, ⌊H/2⌋, ⌊W/2⌋); H, W ≥ 2.
public func maxPool2x2Forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                              batch: Int, channels: Int, height: Int, width: Int) {
    precondition(batch > 0 && channels > 0 && height >= 2 && width >= 2,
                 "maxPool2x2: needs positive sizes and an input of at least 2×2 (got (\(batch), \(channels), \(height), \(width)))")
    let h = height, w = width, ho = h / 2, wo = w / 2
    for plane in 0..<batch * channels {
        let x = input + plane * h * w
        let y = output + plane * ho * wo
        for oy in 0..<ho {
            let row = x + 2 * oy * w, dst = y + oy * wo
            for ox in 0..<wo {
                let window = row + 2 * ox
                dst[ox] = window[windowArgmax(window, w)]
            }
        }
    }
}

/// 2×2 stride-2 max pooling backward: each output gradient goes to its window's maximum
/// (recomputed from `input`; the first one on ties); accumulates (`+=`) into `inputGradient`.
///
/// input (N, C, H, W)  outputGradient (N, C, ⌊H/2⌋, ⌊W/2⌋)  inputGradient (N, C, H, W)
public func maxPool2x2Backward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                               inputGradient: UnsafeMutablePointer<Float>,
                               batch: Int, channels: Int, height: Int, width: Int) {
    precondition(batch > 0 && channels > 0 && height >= 2 && width >= 2,
                 "maxPool2x2 backward: needs positive sizes and an input of at least 2×2 (got (\(batch), \(channels), \(height), \(width)))")
    let h = height, w = width, ho = h / 2, wo = w / 2
    for plane in 0..<batch * channels {
        let x = input + plane * h * w
        let dx = inputGradient + plane * h * w
        let dy = outputGradient + plane * ho * wo
        for oy in 0..<ho {
            let offset = 2 * oy * w, src = dy + oy * wo
            for ox in 0..<wo {
                let window = offset + 2 * ox
                dx[window + windowArgmax(x + window, w)] += src[ox]
            }
        }
    }
}
