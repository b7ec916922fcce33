// im2col / col2im of one tile (a band of output rows, a range of input channels), with the
// padding and the nearest ×2 upsampling of the input fused in, so neither a padded nor an
// upsampled copy of the input ever exists.
//
// image (C, Hs, Ws) stored, read as (C, H, W) = its ×2 upsampling when `upsamplesInput`
// (else Hs = H, Ws = W); columns (c1−c0)·K·K rows by (oy1−oy0)·Wo columns, row
// ((c − c0)·K + ki)·K + kj, column (oy − oy0)·Wo + ox holding the (upsampled, padded) input at
// (c, oy·s + ki − p, ox·s + kj − p): zero, or mirrored without repeating the edge as
// nn.ReflectionPad2d.
//
// With `shiftedRows` (stride 1) the vertical kernel offset is left out: rows (c − c0)·K + kj,
// and `rows` spans the Ho-tile plus K − 1 rows, row oy reading input row oy − p. The K
// vertical taps are then K views of this one matrix, each shifted by ki·Wo columns
// (`conv2dForward`'s shifted-rows path): a third of the im2col matrix to write and read.

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

/// Writes the im2col matrix of `channels` and output `rows` of one image (without the vertical
/// kernel offset when `shiftedRows`); overwrites `columns`.
func im2col(_ g: Conv2dGeometry, image: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>,
            channels: Range<Int>, rows: Range<Int>, shiftedRows: Bool = false) {
    let k = g.kernelSize, s = g.stride, p = g.padding.amount
    let h = g.height, w = g.width, wo = g.outputWidth, storedWidth = g.storedWidth
    let up = g.upsamplesInput ? 1 : 0                  // stored index = upsampled index >> up
    let tileColumns = rows.count * wo
    let kernelRows = shiftedRows ? 1 : k
    let reflecting = g.padding.reflects
    for c in channels {
        let plane = image + c * g.storedHeight * storedWidth
        for ki in 0..<kernelRows {
            for kj in 0..<k {
                let rowStart = columns + (((c - channels.lowerBound) * kernelRows + ki) * k + kj) * tileColumns
                let interior = interiorColumns(g, kj: kj)
                let shift = kj - p
                for oy in rows {
                    let dst = rowStart + (oy - rows.lowerBound) * wo
                    var iy = oy * s + ki - p
                    if iy < 0 || iy >= h {
                        if !reflecting {
                            dst.update(repeating: 0, count: wo)
                            continue
                        }
                        iy = reflect(iy, h)
                    }
                    let src = plane + (iy >> up) * storedWidth
                    for ox in 0..<interior.lowerBound {
                        dst[ox] = reflecting ? src[reflect(ox * s + shift, w) >> up] : 0
                    }
                    if up == 0 && s == 1 {
                        (dst + interior.lowerBound).update(from: src + interior.lowerBound + shift,
                                                           count: interior.count)
                    } else if up == 0 && s == 2 {
                        copyEvenElements(src + interior.lowerBound * 2 + shift, into: dst + interior.lowerBound,
                                         count: interior.count)
                    } else if up == 0 {
                        for ox in interior { dst[ox] = src[ox * s + shift] }
                    } else {
                        for ox in interior { dst[ox] = src[(ox * s + shift) >> 1] }
                    }
                    for ox in interior.upperBound..<wo {
                        dst[ox] = reflecting ? src[reflect(ox * s + shift, w) >> up] : 0
                    }
                }
            }
        }
    }
}

/// Adds the im2col matrix of `channels` and output `rows` back onto the pixels it was read
/// from (the adjoint of `im2col`, with the same `shiftedRows`); accumulates into `image`.
func col2im(_ g: Conv2dGeometry, columns: UnsafePointer<Float>, image: UnsafeMutablePointer<Float>,
            channels: Range<Int>, rows: Range<Int>, shiftedRows: Bool = false) {
    let k = g.kernelSize, s = g.stride, p = g.padding.amount
    let h = g.height, w = g.width, wo = g.outputWidth, storedWidth = g.storedWidth
    let up = g.upsamplesInput ? 1 : 0
    let tileColumns = rows.count * wo
    let kernelRows = shiftedRows ? 1 : k
    let reflecting = g.padding.reflects
    for c in channels {
        let plane = image + c * g.storedHeight * storedWidth
        for ki in 0..<kernelRows {
            for kj in 0..<k {
                let rowStart = columns + (((c - channels.lowerBound) * kernelRows + ki) * k + kj) * tileColumns
                let interior = interiorColumns(g, kj: kj)
                let shift = kj - p
                for oy in rows {
                    let src = rowStart + (oy - rows.lowerBound) * wo
                    var iy = oy * s + ki - p
                    if iy < 0 || iy >= h {
                        if !reflecting { continue }
                        iy = reflect(iy, h)
                    }
                    let dst = plane + (iy >> up) * storedWidth
                    if reflecting {
                        for ox in 0..<interior.lowerBound { dst[reflect(ox * s + shift, w) >> up] += src[ox] }
                        for ox in interior.upperBound..<wo { dst[reflect(ox * s + shift, w) >> up] += src[ox] }
                    }
                    if up == 0 && s == 1 {
                        addRow(src + interior.lowerBound, into: dst + interior.lowerBound + shift, count: interior.count)
                    } else if up == 0 && s == 2 {
                        addToEvenElements(src + interior.lowerBound, into: dst + interior.lowerBound * 2 + shift,
                                          count: interior.count)
                    } else if up == 0 {
                        for ox in interior { dst[ox * s + shift] += src[ox] }
                    } else {
                        for ox in interior { dst[(ox * s + shift) >> 1] += src[ox] }
                    }
                }
            }
        }
    }
}

/// `target[i] += source[i]` for `count` floats, eight lanes at a time (the buffers do not
/// overlap, which the compiler cannot know).
@inline(__always)
func addRow(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
    let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(target)
    var i = 0
    while i + 8 <= count {
        let sum = to.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            + from.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        to.storeBytes(of: sum, toByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        target[i] += source[i]
        i += 1
    }
}

/// `target[i] = source[2i]` for `count` floats: a stride-2 row of im2col, eight at a time from
/// sixteen loaded (the loop's last vector reads no further than `source[2·count − 2]`).
@inline(__always)
func copyEvenElements(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
    let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(target)
    var i = 0
    while i + 9 <= count {
        let pairs = from.loadUnaligned(fromByteOffset: 2 * i * 4, as: SIMD16<Float>.self)
        to.storeBytes(of: pairs.evenHalf, toByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        target[i] = source[2 * i]
        i += 1
    }
}

/// `target[2i] += source[i]` for `count` floats: the adjoint of `copyEvenElements`, col2im of a
/// stride-2 row. The odd elements between are loaded and stored back unchanged.
@inline(__always)
func addToEvenElements(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
    let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(target)
    var i = 0
    while i + 9 <= count {
        var pairs = to.loadUnaligned(fromByteOffset: 2 * i * 4, as: SIMD16<Float>.self)
        pairs.evenHalf += from.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        to.storeBytes(of: pairs, toByteOffset: 2 * i * 4, as: SIMD16<Float>.self)
        i += 8
    }
    while i < count {
        target[2 * i] += source[i]
        i += 1
    }
}
