// im2col / col2im with the padding fused in, so a padded copy of the input never exists.
//
// image (C, H, W)  columns (C·K·K, Ho·Wo), row (c·K + ki)·K + kj, column oy·Wo + ox holding
// image[c, oy·s + ki − p, ox·s + kj − p] after padding (zero, or mirrored without repeating
// the edge as nn.ReflectionPad2d).

/// Mirrors an index into [0, n) without repeating the edge: −1 → 1, n → n − 2.
@inline(__always)
func reflect(_ i: Int, _ n: Int) -> Int {
    i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i)
}

/// The range of output columns whose input column `ox·s + kj − p` lies inside [0, W).
@inline(__always)
func interiorColumns(_ g: Conv2dGeometry, kj: Int) -> Range<Int> {
    let p = g.padding.amount, s = g.stride
    let shift = kj - p                                   // ix = ox·s + shift
    let low = shift >= 0 ? 0 : (-shift + s - 1) / s      // first ox with ix ≥ 0
    let lastIx = g.width - 1 - shift                     // ox·s ≤ lastIx
    let high = lastIx < 0 ? 0 : min(g.outputWidth, lastIx / s + 1)
    return low..<max(low, high)
}

/// Writes the im2col matrix of one image; overwrites `columns`.
func im2col(_ g: Conv2dGeometry, image: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>) {
    struct Work: RangeWork {
        let g: Conv2dGeometry, image: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>
        func run(_ channels: Range<Int>) { im2col(g, image: image, columns: columns, channels: channels) }
    }
    forEachRange(g.inputChannels, work: g.scratchCount, Work(g: g, image: image, columns: columns))
}

/// Adds the im2col matrix `columns` back onto the pixels it was read from (the adjoint of
/// `im2col`); accumulates into `image`.
func col2im(_ g: Conv2dGeometry, columns: UnsafePointer<Float>, image: UnsafeMutablePointer<Float>) {
    struct Work: RangeWork {
        let g: Conv2dGeometry, columns: UnsafePointer<Float>, image: UnsafeMutablePointer<Float>
        func run(_ channels: Range<Int>) { col2im(g, columns: columns, image: image, channels: channels) }
    }
    forEachRange(g.inputChannels, work: g.scratchCount, Work(g: g, columns: columns, image: image))
}

private func im2col(_ g: Conv2dGeometry, image: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>,
                    channels: Range<Int>) {
    let k = g.kernelSize, s = g.stride, p = g.padding.amount
    let h = g.height, w = g.width, ho = g.outputHeight, wo = g.outputWidth
    let reflecting: Bool
    if case .reflect = g.padding { reflecting = true } else { reflecting = false }
    for c in channels {
        let plane = image + c * h * w
        for ki in 0..<k {
            for kj in 0..<k {
                let rowStart = columns + ((c * k + ki) * k + kj) * ho * wo
                let interior = interiorColumns(g, kj: kj)
                let shift = kj - p
                for oy in 0..<ho {
                    let dst = rowStart + oy * wo
                    var iy = oy * s + ki - p
                    if iy < 0 || iy >= h {
                        if !reflecting {
                            dst.update(repeating: 0, count: wo)
                            continue
                        }
                        iy = reflect(iy, h)
                    }
                    let src = plane + iy * w
                    for ox in 0..<interior.lowerBound {
                        dst[ox] = reflecting ? src[reflect(ox * s + shift, w)] : 0
                    }
                    if s == 1 {
                        (dst + interior.lowerBound).update(from: src + interior.lowerBound + shift,
                                                           count: interior.count)
                    } else {
                        for ox in interior { dst[ox] = src[ox * s + shift] }
                    }
                    for ox in interior.upperBound..<wo {
                        dst[ox] = reflecting ? src[reflect(ox * s + shift, w)] : 0
                    }
                }
            }
        }
    }
}

private func col2im(_ g: Conv2dGeometry, columns: UnsafePointer<Float>, image: UnsafeMutablePointer<Float>,
                    channels: Range<Int>) {
    let k = g.kernelSize, s = g.stride, p = g.padding.amount
    let h = g.height, w = g.width, ho = g.outputHeight, wo = g.outputWidth
    let reflecting: Bool
    if case .reflect = g.padding { reflecting = true } else { reflecting = false }
    for c in channels {
        let plane = image + c * h * w
        for ki in 0..<k {
            for kj in 0..<k {
                let rowStart = columns + ((c * k + ki) * k + kj) * ho * wo
                let interior = interiorColumns(g, kj: kj)
                let shift = kj - p
                for oy in 0..<ho {
                    let src = rowStart + oy * wo
                    var iy = oy * s + ki - p
                    if iy < 0 || iy >= h {
                        if !reflecting { continue }
                        iy = reflect(iy, h)
                    }
                    let dst = plane + iy * w
                    if reflecting {
                        for ox in 0..<interior.lowerBound { dst[reflect(ox * s + shift, w)] += src[ox] }
                        for ox in interior.upperBound..<wo { dst[reflect(ox * s + shift, w)] += src[ox] }
                    }
                    for ox in interior { dst[ox * s + shift] += src[ox] }
                }
            }
        }
    }
}
