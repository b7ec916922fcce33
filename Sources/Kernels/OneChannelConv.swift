// Direct kernels for 3×3 stride-1 convolutions with one output channel: the hourglasses'
// out_block, C → 1, whose sigmoid is the attention map. As a product it has a single row, and
// sgemm, im2col and the Winograd transforms all run it at a few GFLOP/s (64 → 1 at 128²,
// batch 8: 8 ms forward and 19 ms weight gradient on Winograd, for 0.15 GFLOP each). Here each
// pass reads every input value once and does its nine taps as vector multiply-adds along rows.
//
// input (N, C, H, W)  weight (1, C, 3, 3)  output (N, 1, Ho, Wo), Ho = H + 2p − 2; padding p
// zero or reflected, no upsampling. Rows are padded one at a time into scratch ("padded row"
// pr is input row pr − p, mirrored or zero), so no padded copy of the input exists.
//
// Every item of work writes memory no other item writes (an output band, a (n, c) plane of the
// input gradient, a channel's nine weights) and sums in an order that does not depend on the
// thread, so all three are the same on any number of threads.

extension Conv2dGeometry {
    /// Height and width of the padded input.
    var paddedHeight: Int { height + 2 * padding.amount }
    var paddedWidth: Int { width + 2 * padding.amount }

    /// Output bands per image of the forward: enough items for every thread to take several
    /// when the batch is small.
    public var oneChannelBandsPerImage: Int { min(outputHeight, max(1, (4 * threads + batch - 1) / batch)) }
    var oneChannelBandRows: Int { (outputHeight + oneChannelBandsPerImage - 1) / oneChannelBandsPerImage }

    /// Input channels per item of the input gradient, which share one zero-padded copy of the
    /// image's output gradient.
    static let oneChannelGroup = 8
    var oneChannelGroupsPerImage: Int { (inputChannels + Self.oneChannelGroup - 1) / Self.oneChannelGroup }

    /// Floats of one thread's scratch: the output gradient zero-padded by 2 on every side and one
    /// padded row (the forward and the weight gradient use only the row).
    var oneChannelThreadScratchCount: Int { (outputHeight + 4) * (outputWidth + 4) + paddedWidth }
}

/// Convolution forward with one output channel (`g.usesOneChannelDirect`); overwrites `output`.
///
/// input (N, C, H, W)  weight (1, C, 3, 3)  bias (1) or nil  output (N, 1, Ho, Wo)
/// scratch: `g.scratchCount` floats.
func oneChannelForward(_ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                       bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                       scratch: UnsafeMutablePointer<Float>) {
    let bands = OneChannelForwardBands(g: g, input: input, weight: weight, bias: bias?[0] ?? 0, output: output,
                                       scratch: scratch)
    forEachItem(g.batch * g.oneChannelBandsPerImage, work: g.inputCount, maximumParts: g.threads, bands)
}

/// Input gradient with one output channel; accumulates (`+=`) into `inputGradient`.
///
/// weight (1, C, 3, 3)  outputGradient (N, 1, Ho, Wo)  inputGradient (N, C, H, W)
func oneChannelInputGradient(_ g: Conv2dGeometry, weight: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                             inputGradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
    let groups = OneChannelInputGradientGroups(g: g, weight: weight, outputGradient: outputGradient,
                                               inputGradient: inputGradient, scratch: scratch)
    forEachItem(g.batch * g.oneChannelGroupsPerImage, work: g.inputCount, maximumParts: g.threads, groups)
}

/// Weight gradient with one output channel; accumulates (`+=`) into `weightGradient`.
///
/// input (N, C, H, W)  outputGradient (N, 1, Ho, Wo)  weightGradient (1, C, 3, 3)
func oneChannelWeightGradient(_ g: Conv2dGeometry, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                              weightGradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
    let channels = OneChannelWeightGradientChannels(g: g, input: input, outputGradient: outputGradient,
                                                    weightGradient: weightGradient, scratch: scratch)
    forEachItem(g.inputChannels, work: g.inputCount, maximumParts: g.threads, channels)
}

/// Writes padded row `pr` of `plane` (H, W) into `row` (W + 2p floats); false, writing nothing,
/// when the row is all zero padding.
@inline(__always)
private func fillPaddedRow(_ g: Conv2dGeometry, plane: UnsafePointer<Float>, row pr: Int,
                           into row: UnsafeMutablePointer<Float>) -> Bool {
    let p = g.padding.amount, w = g.width, reflecting = g.padding.reflects
    var iy = pr - p
    if iy < 0 || iy >= g.height {
        guard reflecting else { return false }
        iy = reflect(iy, g.height)
    }
    let source = plane + iy * w
    (row + p).update(from: source, count: w)
    for q in 0..<p {
        row[q] = reflecting ? source[reflect(q - p, w)] : 0
        row[p + w + q] = reflecting ? source[reflect(w + q, w)] : 0
    }
    return true
}

/// `y[x] += w0·r[x] + w1·r[x + 1] + w2·r[x + 2]` for x in 0..<count (one kernel row's taps).
@inline(__always)
private func addTaps(_ r: UnsafePointer<Float>, _ w0: Float, _ w1: Float, _ w2: Float,
                     into y: UnsafeMutablePointer<Float>, count: Int) {
    var x = 0
    while x + 8 <= count {
        var sum = load8(y + x)
        sum.addProduct(SIMD8(repeating: w0), load8(r + x))
        sum.addProduct(SIMD8(repeating: w1), load8(r + x + 1))
        sum.addProduct(SIMD8(repeating: w2), load8(r + x + 2))
        store8(sum, y + x)
        x += 8
    }
    while x < count {
        y[x] = ((y[x] + w0 * r[x]) + w1 * r[x + 1]) + w2 * r[x + 2]
        x += 1
    }
}

/// Output band `item % bands` of image `item / bands`: the bias, then for each input channel and
/// each padded row it reads, that row's taps added onto the (up to three) output rows it feeds.
private struct OneChannelForwardBands: ItemWork {
    let g: Conv2dGeometry
    let input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: Float
    let output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>

    func run(item: Int, part: Int) {
        let bands = g.oneChannelBandsPerImage, wo = g.outputWidth, plane = g.height * g.width
        let image = item / bands, first = item % bands * g.oneChannelBandRows
        let last = min(first + g.oneChannelBandRows, g.outputHeight)
        let y = output + image * g.columnColumns
        (y + first * wo).update(repeating: bias, count: (last - first) * wo)
        let row = scratch + part * g.oneChannelThreadScratchCount
        for c in 0..<g.inputChannels {
            let w = weight + 9 * c
            for pr in first ..< last + 2 {
                guard fillPaddedRow(g, plane: input + (image * g.inputChannels + c) * plane, row: pr, into: row)
                else { continue }
                // Output row oy reads padded rows oy, oy + 1, oy + 2 with kernel rows 0, 1, 2.
                for ki in 0..<3 where pr - ki >= first && pr - ki < last {
                    addTaps(row, w[3 * ki], w[3 * ki + 1], w[3 * ki + 2], into: y + (pr - ki) * wo, count: wo)
                }
            }
        }
    }
}

/// Input channels `8·(item % groups) ..< +8` of image `item / groups`: the gradient of each
/// padded row, G[pr][q] = Σ w[ki][kj]·dy[pr − ki][q − kj] (dy zero outside), from a zero-padded
/// copy of dy, added onto the input row it was read from (mirrored rows and columns onto
/// their pixels; a zero border's dropped).
private struct OneChannelInputGradientGroups: ItemWork {
    let g: Conv2dGeometry
    let weight: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>
    let inputGradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>

    func run(item: Int, part: Int) {
        let groups = g.oneChannelGroupsPerImage, group = Conv2dGeometry.oneChannelGroup
        let image = item / groups, firstChannel = item % groups * group
        let channels = firstChannel ..< min(firstChannel + group, g.inputChannels)
        let ho = g.outputHeight, wo = g.outputWidth, p = g.padding.amount, h = g.height, w = g.width
        let paddedWidth = g.paddedWidth, reflecting = g.padding.reflects
        // dy padded by 2: dy[a][b] at d[(a + 2)·dw + b + 2].
        let dw = wo + 4
        let d = scratch + part * g.oneChannelThreadScratchCount
        let gradientRow = d + (ho + 4) * dw
        d.update(repeating: 0, count: 2 * dw)
        for oy in 0..<ho {
            let line = d + (oy + 2) * dw
            line[0] = 0; line[1] = 0; line[wo + 2] = 0; line[wo + 3] = 0
            (line + 2).update(from: outputGradient + image * g.columnColumns + oy * wo, count: wo)
        }
        (d + (ho + 2) * dw).update(repeating: 0, count: 2 * dw)
        for c in channels {
            let k = weight + 9 * c
            let dx = inputGradient + (image * g.inputChannels + c) * h * w
            for pr in 0 ..< g.paddedHeight {
                var iy = pr - p
                if iy < 0 || iy >= h {
                    guard reflecting else { continue }
                    iy = reflect(iy, h)
                }
                // G[pr][q] reads dy rows pr − ki (padded rows pr + 2 − ki), columns q − kj.
                var q = 0
                while q + 8 <= paddedWidth {
                    var sum = SIMD8<Float>()
                    for ki in 0..<3 {
                        let line = d + (pr + 2 - ki) * dw + q + 2
                        sum.addProduct(SIMD8(repeating: k[3 * ki]), load8(line))
                        sum.addProduct(SIMD8(repeating: k[3 * ki + 1]), load8(line - 1))
                        sum.addProduct(SIMD8(repeating: k[3 * ki + 2]), load8(line - 2))
                    }
                    store8(sum, gradientRow + q)
                    q += 8
                }
                while q < paddedWidth {
                    var sum: Float = 0
                    for ki in 0..<3 {
                        let line = d + (pr + 2 - ki) * dw + q + 2
                        sum = ((sum + k[3 * ki] * line[0]) + k[3 * ki + 1] * line[-1]) + k[3 * ki + 2] * line[-2]
                    }
                    gradientRow[q] = sum
                    q += 1
                }
                let target = dx + iy * w
                addRow(gradientRow + p, into: target, count: w)
                if reflecting {
                    for q in 0..<p {
                        target[reflect(q - p, w)] += gradientRow[q]
                        target[reflect(w + q, w)] += gradientRow[p + w + q]
                    }
                }
            }
        }
    }
}

/// The nine weights of input channel `item`: ∂w[ki][kj] = Σ over images and output rows of the
/// dot product of dy's row oy with padded row oy + ki shifted by kj; each row's dot products are
/// summed apart, then added up row by row.
private struct OneChannelWeightGradientChannels: ItemWork {
    let g: Conv2dGeometry
    let input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>
    let weightGradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>

    func run(item c: Int, part: Int) {
        let ho = g.outputHeight, wo = g.outputWidth, plane = g.height * g.width
        let row = scratch + part * g.oneChannelThreadScratchCount
        var totals = SIMD16<Float>()      // lanes 0..<9: ki·3 + kj
        for image in 0..<g.batch {
            let x = input + (image * g.inputChannels + c) * plane
            for pr in 0 ..< g.paddedHeight {
                guard fillPaddedRow(g, plane: x, row: pr, into: row) else { continue }
                for ki in 0..<3 where pr - ki >= 0 && pr - ki < ho {
                    let dy = outputGradient + image * g.columnColumns + (pr - ki) * wo
                    var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>()
                    var ox = 0
                    while ox + 8 <= wo {
                        let gradient = load8(dy + ox)
                        s0.addProduct(gradient, load8(row + ox))
                        s1.addProduct(gradient, load8(row + ox + 1))
                        s2.addProduct(gradient, load8(row + ox + 2))
                        ox += 8
                    }
                    var t0 = s0.sum(), t1 = s1.sum(), t2 = s2.sum()
                    while ox < wo {
                        t0 += dy[ox] * row[ox]
                        t1 += dy[ox] * row[ox + 1]
                        t2 += dy[ox] * row[ox + 2]
                        ox += 1
                    }
                    totals[3 * ki] += t0
                    totals[3 * ki + 1] += t1
                    totals[3 * ki + 2] += t2
                }
            }
        }
        for tap in 0..<9 { weightGradient[9 * c + tap] += totals[tap] }
    }
}
