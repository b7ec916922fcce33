// Winograd for 3×3 stride-2 convolutions (the down-scaling ConvLayers), forward and backward:
// F(4×4) tiles from 9×9 patches.
//
// Along one axis, output i reads padded samples 2i, 2i + 1, 2i + 2 with taps w0, w1, w2: the
// even samples e_i, e_i+1 with (w0, w2), a two-tap stride-1 correlation over the even samples,
// and the odd sample o_i with w1 alone. Four outputs read 9 samples from 8t (a patch): F(4, 2)
// takes 5 products for the even part, the odd part its 4 as they are, 9 in all instead of 12.
// In 2-D the 9 × 9 = 81 products per 16 outputs replace the direct conv's 144, 1.78× fewer
// multiply-adds; over a block of tiles they are 81 sgemm calls M_ξ = U_ξ (O, C) · V_ξ (C, tiles)
// as in `Winograd.swift`, whose blocks, padding and threading this follows. F(4, 2) on the
// points 0, 1, −1, 2, ∞ (Aᵀ is F(4×4, 3×3)'s without the point −2):
//
//     Bᵀ = [2 −1 −2  1  0]     G = [ 1/2   0  ]     Aᵀ = [1 1  1 1 0]
//          [0 −2 −1  1  0]         [−1/2 −1/2 ]          [0 1 −1 2 0]
//          [0  2 −3  1  0]         [−1/6  1/6 ]          [0 1  1 4 0]
//          [0 −1  0  1  0]         [ 1/6  1/3 ]          [0 1 −1 8 1]
//          [0  2 −1 −2  1]         [ 0    1   ]
//
// The 9-point transforms put the even samples' five first and the odd samples after them:
// T d = (Bᵀ (d0, d2, d4, d6, d8), d1, d3, d5, d7), K w = (G (w0, w2), w1, w1, w1, w1) and
// y = Aᵀ (m0 … m4) + (m5 … m8); in 2-D V = T d Tᵀ, U = K w Kᵀ, y = A M Aᵀ with these. Against
// a Double reference (uniform ±1 data, depth up to 360) the outputs and input gradients are off
// by 2.4·10⁻⁵ at most, the weight gradients 4·10⁻⁵ (the kernel tests allow 3·10⁻⁵ and 10⁻⁴); the
// rounding depends on neither the batch nor the thread count. The weight and input gradients
// are the forward's adjoints (below).

extension Conv2dGeometry {
    /// Positions ξ of a transformed 9×9 patch: the products per block.
    static let stridedWinogradPositions = 81

    /// Tiles (4×4 output blocks) per row of the output: ⌈Wo / 4⌉.
    public var stridedWinogradTilesPerRow: Int { (outputWidth + 3) / 4 }
    /// Tile rows of the output: ⌈Ho / 4⌉.
    public var stridedWinogradTileRows: Int { (outputHeight + 3) / 4 }
    /// Floats per tile row in V and M: tiles per row rounded up to 8, the transforms' vector width.
    var stridedWinogradRowStride: Int { Self.winogradRowStride(tilesPerRow: stridedWinogradTilesPerRow) }

    /// Whether a stride-2 Winograd forward of an output this wide computes at most half again as
    /// many tiles as there are (and at least 6 a row): still ≥ 1.19× fewer multiply-adds than
    /// im2col. Outputs 16 wide (4 tiles in 8 lanes) would do more than im2col. And, where U is
    /// large (blocks of 256 columns, `stridedWinogradMinimumBlockColumns`), whether an image has
    /// the tiles of one such block (blocks do not span images): with fewer, each block streams
    /// all of U (81·O·C floats) for a handful of tiles. Batch 1 on 64² inputs (32-wide outputs,
    /// 64 tiles), Winograd / im2col, ms forward; input gradient: 512→512 25.1 / 24.0; 25.0 / 11.1,
    /// 256→512 14.6 / 11.2; 15.1 / 5.2, 128→256 8.1 / 2.8; 4.2 / 1.4 (the 3-scale
    /// discriminator's); under 2¹⁵ pairs, 128→128 at batch 16: 11.1 / 15.1 forward.
    static func suitsStridedWinograd(outputHeight: Int, outputWidth: Int, channelPairs: Int) -> Bool {
        let tilesPerRow = (outputWidth + 3) / 4, rowStride = winogradRowStride(tilesPerRow: tilesPerRow)
        return tilesPerRow >= 6 && 2 * rowStride <= 3 * tilesPerRow
            && (channelPairs < stridedWinogradLargeUPairs
                || (outputHeight + 3) / 4 * rowStride >= stridedWinogradMinimumBlockColumns(channelPairs: channelPairs))
    }

    /// Columns a block's products have at least: 256 where U_ξ has 2¹⁵ (o, c) pairs or more, which
    /// each product packs for its block's columns; else 32, the block's V and M then nearer L2.
    /// Forward, ms (32 / 128 / 256 columns): 408→408 at 256², batch 1: 267 / 198 / 181; 204→204
    /// at 512²: 231 / 211 / 199; 128→128 at 64², batch 16: 20.4 / 26.4 / 25; 204→64 at 256²:
    /// 17.4 / 24.0 / 24.0; 64→64 at 128², batch 16: 22.6 / 22.2 / 32.
    var stridedWinogradMinimumBlockColumns: Int {
        Self.stridedWinogradMinimumBlockColumns(channelPairs: outputChannels * inputChannels)
    }

    static func stridedWinogradMinimumBlockColumns(channelPairs: Int) -> Int {
        channelPairs >= stridedWinogradLargeUPairs ? 256 : 32
    }

    /// (o, c) pairs from which U_ξ counts as large (its blocks want 256 columns).
    static let stridedWinogradLargeUPairs = 1 << 15

    /// Tile rows per block, as `winogradBlockRows` for one image a block: V and M within
    /// `winogradBlockFloats` but at least `stridedWinogradMinimumBlockColumns` columns, and every
    /// thread a block; evened out over the image.
    public var stridedWinogradBlockRows: Int {
        let tileRows = stridedWinogradTileRows, rowStride = stridedWinogradRowStride
        let perRow = Self.stridedWinogradPositions * (inputChannels + outputChannels) * rowStride
        let columns = stridedWinogradMinimumBlockColumns
        var rows = max(Self.winogradBlockFloats / perRow, (columns + rowStride - 1) / rowStride)
        let blocksForThreads = (threads + batch - 1) / batch
        rows = min(rows, (tileRows + blocksForThreads - 1) / blocksForThreads)
        if tileFloats < Self.defaultTileFloats { rows = min(rows, tileFloats / perRow) }
        rows = max(1, min(tileRows, rows))
        let blocks = (tileRows + rows - 1) / rows
        return (tileRows + blocks - 1) / blocks
    }
    /// Blocks of one image.
    public var stridedWinogradBlocksPerImage: Int {
        (stridedWinogradTileRows + stridedWinogradBlockRows - 1) / stridedWinogradBlockRows
    }

    /// Block `index` of the batch: tile rows `firstRow ..< firstRow + rows` of image `image`.
    func stridedWinogradBlock(_ index: Int) -> (image: Int, firstRow: Int, rows: Int) {
        let firstRow = index % stridedWinogradBlocksPerImage * stridedWinogradBlockRows
        return (index / stridedWinogradBlocksPerImage, firstRow,
                min(stridedWinogradBlockRows, stridedWinogradTileRows - firstRow))
    }

    /// Columns of a block's V_ξ and M_ξ, rounded up to 16 as `winogradBlockCapacity` (no heap
    /// buffer in OpenBLAS's small-matrix sgemm).
    var stridedWinogradBlockCapacity: Int { sgemmColumns(stridedWinogradBlockRows * stridedWinogradRowStride) }
    /// Floats from V_ξ to V_ξ₊₁ (and M_ξ to M_ξ₊₁): a cache line past the rows, as in `Winograd.swift`.
    var stridedWinogradInputPlaneStride: Int { inputChannels * stridedWinogradBlockCapacity + 16 }
    var stridedWinogradOutputPlaneStride: Int { outputChannels * stridedWinogradBlockCapacity + 16 }

    /// Floats of the horizontal transforms of a block's 8·rows + 1 padded input rows (9 values a
    /// tile); the output transform's partial sums (9 × 4 rows) reuse them.
    var stridedWinogradHorizontalFloats: Int { (8 * stridedWinogradBlockRows + 1) * 9 * stridedWinogradRowStride }
    /// Floats of one padded input row as the transforms read it: 8 per tile and the last tile's
    /// ninth, rounded to a vector.
    var stridedWinogradPaddedRowFloats: Int { 8 * stridedWinogradRowStride + 8 }

    /// Floats of one thread's scratch: a block's V and M, its row transforms and a padded row.
    var stridedWinogradThreadScratchCount: Int {
        Self.stridedWinogradPositions * (stridedWinogradInputPlaneStride + stridedWinogradOutputPlaneStride)
            + stridedWinogradHorizontalFloats + stridedWinogradPaddedRowFloats
    }

    /// Floats of scratch `stridedWinogradForward` needs: U (81, O, C), then one block per thread.
    var stridedWinogradScratchCount: Int {
        Self.stridedWinogradPositions * outputChannels * inputChannels + stridedWinogradThreadScratchCount * threads
    }
}

/// The forward of a 3×3 stride-2 convolution (`g.usesStridedWinograd`); overwrites `output`.
///
/// input (N, C, H, W)  weight (O, C, 3, 3)  bias (O) or nil  output (N, O, Ho, Wo)
/// scratch: `g.stridedWinogradScratchCount` floats.
func stridedWinogradForward(_ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                            bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                            scratch: UnsafeMutablePointer<Float>) {
    let positions = Conv2dGeometry.stridedWinogradPositions
    forEachRange(g.outputChannels, work: positions * g.outputChannels * g.inputChannels,
                 StridedWeightTransform(g: g, weight: weight, u: scratch))
    let blocks = StridedWinogradForwardBlocks(g: g, input: input, transformedWeight: scratch, bias: bias,
                                              output: output,
                                              scratch: scratch + positions * g.outputChannels * g.inputChannels)
    forEachItem(g.batch * g.stridedWinogradBlocksPerImage,
                work: g.batch * g.columnColumns * (g.inputChannels + g.outputChannels), maximumParts: g.threads, blocks)
}

/// Nine vectors of eight tiles: a transformed row or column of each tile's 9×9 patch.
private typealias Transformed9 = (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>,
                                  SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)

/// The nine vectors to `p`, `p + step`, … `p + 8·step`.
@inline(__always)
private func store9(_ values: Transformed9, _ p: UnsafeMutablePointer<Float>, step: Int) {
    store8(values.0, p)
    store8(values.1, p + step)
    store8(values.2, p + 2 * step)
    store8(values.3, p + 3 * step)
    store8(values.4, p + 4 * step)
    store8(values.5, p + 5 * step)
    store8(values.6, p + 6 * step)
    store8(values.7, p + 7 * step)
    store8(values.8, p + 8 * step)
}

@inline(__always)
private func element(_ values: Transformed9, _ i: Int) -> SIMD8<Float> {
    switch i {
    case 0: values.0
    case 1: values.1
    case 2: values.2
    case 3: values.3
    case 4: values.4
    case 5: values.5
    case 6: values.6
    case 7: values.7
    default: values.8
    }
}

/// K w for the three taps of a kernel column (then of a row of K w): G (w0, w2), then w1 four times.
@inline(__always)
private func stridedKernelTransform(_ w0: SIMD8<Float>, _ w1: SIMD8<Float>, _ w2: SIMD8<Float>) -> Transformed9 {
    (0.5 * w0, -0.5 * (w0 + w2), (1.0 / 6) * (w2 - w0), (1.0 / 6) * (w0 + 2 * w2), w2, w1, w1, w1, w1)
}

/// T d for the nine samples along a row or column of a patch: Bᵀ of the even samples, then the odd ones.
@inline(__always)
private func stridedInputTransform(_ d: Transformed9) -> Transformed9 {
    let (a0, a1, a2, a3, a4) = (d.0, d.2, d.4, d.6, d.8)
    let s = a3 - a1
    return (2 * (a0 - a2) + s, s - (a1 + a2), s + 3 * (a1 - a2), s, (a4 - a2) - 2 * s, d.1, d.3, d.5, d.7)
}

/// Aᵀ (m0 … m4) + (m5 … m8) for the nine values along a row or column of a transformed patch.
@inline(__always)
private func stridedOutputTransform(_ m: Transformed9) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let sum = m.1 + m.2, difference = m.1 - m.2
    return (m.0 + sum + m.3 + m.5, difference + 2 * m.3 + m.6, sum + 4 * m.3 + m.7, difference + 8 * m.3 + m.4 + m.8)
}

/// U_ξ[o][c] = (K w[o][c] Kᵀ)[ξ] for ξ = 9a + b: weight (O, C, 3, 3) → U (81, O, C), eight input
/// channels a store; overwrites `u`.
private struct StridedWeightTransform: RangeWork {
    let g: Conv2dGeometry
    let weight: UnsafePointer<Float>, u: UnsafeMutablePointer<Float>

    func run(_ outputChannels: Range<Int>) {
        let c = g.inputChannels, pairs = g.outputChannels * c
        for oc in outputChannels {
            for ic in Swift.stride(from: 0, to: c, by: 8) {
                let lanes = min(8, c - ic), pair = oc * c + ic, w = weight + pair * 9
                @inline(__always) func tap(_ i: Int, _ j: Int) -> SIMD8<Float> {
                    var value = SIMD8<Float>()
                    for k in 0..<lanes { value[k] = w[k * 9 + i * 3 + j] }
                    return value
                }
                // Column j of t = K w (9×3), then row a of U = K (row a of t).
                let t0 = stridedKernelTransform(tap(0, 0), tap(1, 0), tap(2, 0))
                let t1 = stridedKernelTransform(tap(0, 1), tap(1, 1), tap(2, 1))
                let t2 = stridedKernelTransform(tap(0, 2), tap(1, 2), tap(2, 2))
                for a in 0..<9 {
                    let row = stridedKernelTransform(element(t0, a), element(t1, a), element(t2, a))
                    for b in 0..<9 {
                        let target = u + (9 * a + b) * pairs + pair, value = element(row, b)
                        if lanes == 8 {
                            store8(value, target)
                        } else {
                            for k in 0..<lanes { target[k] = value[k] }
                        }
                    }
                }
            }
        }
    }
}

/// One thread's block scratch (`stridedWinogradThreadScratchCount` floats): V or ∂V (81, C,
/// capacity), M or ∂M (81, O, capacity), the horizontal transforms of the block's padded rows (also
/// the output transforms' partial sums) and one padded row.
private struct StridedBlockScratch {
    let v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>
    let horizontal: UnsafeMutablePointer<Float>, row: UnsafeMutablePointer<Float>

    init(_ g: Conv2dGeometry, at base: UnsafeMutablePointer<Float>) {
        v = base
        m = v + Conv2dGeometry.stridedWinogradPositions * g.stridedWinogradInputPlaneStride
        horizontal = m + Conv2dGeometry.stridedWinogradPositions * g.stridedWinogradOutputPlaneStride
        row = horizontal + g.stridedWinogradHorizontalFloats
    }

    /// V of every input channel of tile rows `firstRow ..< firstRow + rows` of `image` into `v`.
    func transformInputs(_ g: Conv2dGeometry, _ input: UnsafePointer<Float>, image: Int, firstRow: Int, rows: Int) {
        let c = g.inputChannels, plane = g.height * g.width
        for channel in 0..<c {
            stridedTransformInput(g, plane: input + (image * c + channel) * plane, firstTileRow: firstRow,
                                  tileRows: rows, into: v + channel * g.stridedWinogradBlockCapacity,
                                  planeStride: g.stridedWinogradInputPlaneStride, horizontal: horizontal, row: row)
        }
    }

    /// ∂M of every output channel of tile rows `firstRow ..< firstRow + rows` of `image` into `m`.
    func transformOutputGradients(_ g: Conv2dGeometry, _ outputGradient: UnsafePointer<Float>, image: Int,
                                  firstRow: Int, rows: Int) {
        let o = g.outputChannels
        for channel in 0..<o {
            stridedTransformOutputGradient(g, outputGradient + (image * o + channel) * g.columnColumns,
                                           firstTileRow: firstRow, tileRows: rows,
                                           into: m + channel * g.stridedWinogradBlockCapacity,
                                           planeStride: g.stridedWinogradOutputPlaneStride, partial: horizontal)
        }
    }
}

/// The blocks of the forward, taken by whichever thread is free: V of the block's tiles from
/// the input, the 81 products M_ξ = U_ξ · V_ξ, and the block's output rows from M (the same
/// arithmetic on any thread; `stridedWinogradBlock`).
private struct StridedWinogradForwardBlocks: ItemWork {
    let g: Conv2dGeometry
    /// U (81, O, C).
    let input: UnsafePointer<Float>, transformedWeight: UnsafePointer<Float>, bias: UnsafePointer<Float>?
    let output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>

    func run(item index: Int, part: Int) {
        let c = g.inputChannels, o = g.outputChannels, positions = Conv2dGeometry.stridedWinogradPositions
        let capacity = g.stridedWinogradBlockCapacity
        let (inputPlaneStride, outputPlaneStride) = (g.stridedWinogradInputPlaneStride, g.stridedWinogradOutputPlaneStride)
        let block = StridedBlockScratch(g, at: scratch + part * g.stridedWinogradThreadScratchCount)
        let (image, firstRow, rows) = g.stridedWinogradBlock(index)
        block.transformInputs(g, input, image: image, firstRow: firstRow, rows: rows)
        let columns = sgemmColumns(rows * g.stridedWinogradRowStride)
        for xi in 0..<positions {
            serialMatrixMultiply(m: o, n: columns, k: c, transformedWeight + xi * o * c,
                                 block.v + xi * inputPlaneStride, leadingB: capacity,
                                 into: block.m + xi * outputPlaneStride, leadingC: capacity)
        }
        for channel in 0..<o {
            stridedTransformOutput(g, block.m + channel * capacity, planeStride: outputPlaneStride,
                                   firstTileRow: firstRow, tileRows: rows, bias: bias?[channel] ?? 0,
                                   into: output + (image * o + channel) * g.columnColumns, partial: block.horizontal)
        }
    }
}

/// The padded input row: `padded[q]` = column q − p for q in 0 ..< `stridedWinogradPaddedRowFloats`,
/// mirrored or zero past the edges and zero past the padded width.
@inline(__always)
private func readStridedPaddedRow(_ g: Conv2dGeometry, row: UnsafePointer<Float>,
                                  into padded: UnsafeMutablePointer<Float>, reflecting: Bool) {
    let p = g.padding.amount, w = g.width, count = g.stridedWinogradPaddedRowFloats
    @inline(__always) func value(_ x: Int) -> Float {
        if x >= 0 && x < w { return row[x] }
        if reflecting && x >= -p && x < w + p { return row[reflect(x, w)] }
        return 0
    }
    let low = min(p, count), high = min(p + w, count)
    for q in 0..<low { padded[q] = value(q - p) }
    (padded + low).update(from: row + (low - p), count: high - low)
    for q in high..<count { padded[q] = value(q - p) }
}

/// The nine samples of eight tiles' patches in a padded row from tile t: lane k of sample j is
/// `row[8(t + k) + j]`, the 64 floats from 8t split by their index mod 8, and the ninth the
/// next tile's first.
@inline(__always)
private func patchSamples(_ row: UnsafePointer<Float>, _ t: Int) -> Transformed9 {
    let source = UnsafeRawPointer(row + 8 * t)
    @inline(__always) func sixteen(_ offset: Int) -> SIMD16<Float> {
        source.loadUnaligned(fromByteOffset: 4 * offset, as: SIMD16<Float>.self)
    }
    let a = sixteen(0), b = sixteen(16), c = sixteen(32), d = sixteen(48)
    // Floats by index mod 2, then mod 4, then mod 8.
    let even = (SIMD16(lowHalf: a.evenHalf, highHalf: b.evenHalf), SIMD16(lowHalf: c.evenHalf, highHalf: d.evenHalf))
    let odd = (SIMD16(lowHalf: a.oddHalf, highHalf: b.oddHalf), SIMD16(lowHalf: c.oddHalf, highHalf: d.oddHalf))
    let mod0 = SIMD16(lowHalf: even.0.evenHalf, highHalf: even.1.evenHalf)
    let mod2 = SIMD16(lowHalf: even.0.oddHalf, highHalf: even.1.oddHalf)
    let mod1 = SIMD16(lowHalf: odd.0.evenHalf, highHalf: odd.1.evenHalf)
    let mod3 = SIMD16(lowHalf: odd.0.oddHalf, highHalf: odd.1.oddHalf)
    let first = mod0.evenHalf
    let ninth = SIMD8(first[1], first[2], first[3], first[4], first[5], first[6], first[7], row[8 * t + 64])
    return (first, mod1.evenHalf, mod2.evenHalf, mod3.evenHalf, mod0.oddHalf, mod1.oddHalf, mod2.oddHalf,
            mod3.oddHalf, ninth)
}

/// V_ξ[t] = (T d_t Tᵀ)[ξ], ξ = 9a + b, for the tiles of `tileRows` tile rows from `firstTileRow`,
/// d_t the 9×9 patch of the padded plane from (8·row, 8·column) of tile t; V_ξ at
/// `v + ξ·planeStride`, tile row r at offset r·`stridedWinogradRowStride`. Each padded input row
/// is transformed horizontally once into `horizontal` (9 values a tile), then each tile row
/// combines its nine rows vertically. Eight tiles at a time; the columns past the last tile get
/// finite values.
@inline(__always)
private func stridedTransformInput(_ g: Conv2dGeometry, plane: UnsafePointer<Float>, firstTileRow: Int, tileRows: Int,
                                   into v: UnsafeMutablePointer<Float>, planeStride: Int,
                                   horizontal: UnsafeMutablePointer<Float>, row: UnsafeMutablePointer<Float>) {
    let stride = g.stridedWinogradRowStride, p = g.padding.amount, h = g.height
    let reflecting = g.padding.reflects, rowFloats = 9 * stride
    for r in 0 ..< 8 * tileRows + 1 {
        // Padded row 8·firstTileRow + r is input row iy.
        var iy = 8 * firstTileRow + r - p
        let h0 = horizontal + r * rowFloats
        if iy < 0 || iy >= h {
            if !reflecting || iy < -p || iy >= h + p {
                h0.update(repeating: 0, count: rowFloats)
                continue
            }
            iy = reflect(iy, h)
        }
        readStridedPaddedRow(g, row: plane + iy * g.width, into: row, reflecting: reflecting)
        for t in Swift.stride(from: 0, to: stride, by: 8) {
            let x = stridedInputTransform(patchSamples(row, t))
            store9(x, h0 + t, step: stride)
        }
    }
    let step = 9 * planeStride
    for tileRow in 0..<tileRows {
        let r0 = horizontal + 8 * tileRow * rowFloats
        for j in 0..<9 {
            let source = r0 + j * stride, target = v + j * planeStride + tileRow * stride
            for t in Swift.stride(from: 0, to: stride, by: 8) {
                @inline(__always) func at(_ k: Int) -> SIMD8<Float> { load8(source + k * rowFloats + t) }
                let column = stridedInputTransform((at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), at(8)))
                store9(column, target + t, step: step)
            }
        }
    }
}

/// Output rows of `tileRows` tile rows from `firstTileRow` of one output channel from its M_ξ
/// (at `m + ξ·planeStride`, ξ = 9a + b): y = A M Aᵀ + bias, dropping what overhangs (Ho, Wo).
/// In two passes over a tile row, as `transformOutput4`: A M column b at a time into `partial`
/// ((9, 4) rows of `stridedWinogradRowStride` floats), then each output row from its nine
/// partial columns.
@inline(__always)
private func stridedTransformOutput(_ g: Conv2dGeometry, _ m: UnsafePointer<Float>, planeStride: Int,
                                    firstTileRow: Int, tileRows: Int, bias: Float, into y: UnsafeMutablePointer<Float>,
                                    partial: UnsafeMutablePointer<Float>) {
    let stride = g.stridedWinogradRowStride, wo = g.outputWidth, ho = g.outputHeight, step = 9 * planeStride
    for tileRow in 0..<tileRows {
        let oy = 4 * (firstTileRow + tileRow)
        for b in 0..<9 {
            let source = m + b * planeStride + tileRow * stride, target = partial + 4 * b * stride
            for t in Swift.stride(from: 0, to: stride, by: 8) {
                let p = source + t
                @inline(__always) func at(_ k: Int) -> SIMD8<Float> { load8(p + k * step) }
                let column = stridedOutputTransform((at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), at(8)))
                store8(column.0, target + t)
                store8(column.1, target + stride + t)
                store8(column.2, target + 2 * stride + t)
                store8(column.3, target + 3 * stride + t)
            }
        }
        for i in 0 ..< min(4, ho - oy) {
            let row = partial + i * stride, output = y + (oy + i) * wo
            for t in Swift.stride(from: 0, to: stride, by: 8) {
                let p = row + t, step = 4 * stride
                @inline(__always) func at(_ k: Int) -> SIMD8<Float> { load8(p + k * step) }
                let r = stridedOutputTransform((at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), at(8)))
                storeTileRows(r.0 + bias, r.1 + bias, r.2 + bias, r.3 + bias, into: output, from: 4 * t, width: wo)
            }
        }
    }
}

// The weight gradient is the forward's adjoint, as for stride 1: per block ∂M = A₁ᵀ ∂Y A₁ from
// the output gradient (A₁ the 4×9 output transform) and V from the input, then
// ∂U_ξ += ∂M_ξ · V_ξᵀ, and ∂w = Kᵀ ∂U K. Each thread sums a fixed range of blocks into its own ∂U;
// the sums are added in thread order.

extension Conv2dGeometry {
    /// Whether the weight gradient takes the stride-2 Winograd path too: where the threads' ∂U
    /// sums (81, O, C), zeroed and added up, weigh less than the batch's V and ∂M. 512→512 at
    /// 128², batch 1 (sums twice V and ∂M) took as long as im2col (105 ms), with 170 MB of
    /// scratch; 408→408 at 256²: 282 → 183 ms, 64→64 at 128², batch 16: 42.6 → 27.6 ms.
    public var usesStridedWinogradWeightGradient: Bool {
        guard usesStridedWinograd else { return false }
        let sums = Self.stridedWinogradPositions * outputChannels * inputChannels * threads
        let columns = stridedWinogradTileRows * stridedWinogradRowStride
        return sums <= batch * Self.stridedWinogradPositions * (inputChannels + outputChannels) * columns
    }

    /// Floats of scratch `stridedWinogradWeightGradient` needs: per thread its ∂U (81, O, C) and
    /// a block's V, ∂M and row buffers.
    var stridedWinogradWeightGradientScratchCount: Int {
        (Self.stridedWinogradPositions * outputChannels * inputChannels + stridedWinogradThreadScratchCount) * threads
    }
}

/// The weight gradient of a 3×3 stride-2 convolution (`g.usesStridedWinogradWeightGradient`); accumulates
/// (`+=`) into `weightGradient`.
///
/// input (N, C, H, W)  outputGradient (N, O, Ho, Wo)  weightGradient (O, C, 3, 3)
/// scratch: `g.stridedWinogradWeightGradientScratchCount` floats.
func stridedWinogradWeightGradient(_ g: Conv2dGeometry, input: UnsafePointer<Float>,
                                   outputGradient: UnsafePointer<Float>, weightGradient: UnsafeMutablePointer<Float>,
                                   scratch: UnsafeMutablePointer<Float>) {
    let pairs = g.outputChannels * g.inputChannels, positions = Conv2dGeometry.stridedWinogradPositions
    let work = g.batch * g.columnColumns * (g.inputChannels + g.outputChannels)
    let parts = partCount(work: work, maximumParts: min(g.threads, g.batch * g.stridedWinogradBlocksPerImage))
    let stride = positions * pairs + g.stridedWinogradThreadScratchCount
    forEachPart(work: work, maximumParts: parts,
                StridedWeightGradientBlocks(g: g, input: input, outputGradient: outputGradient, scratch: scratch))
    forEachRange(pairs, work: positions * pairs * parts,
                 StridedWeightGradientSum(pairs: pairs, parts: parts, stride: stride, sums: scratch,
                                          weightGradient: weightGradient))
}

/// One thread's blocks of the weight gradient (blocks · part / parts ..< blocks · (part + 1) / parts),
/// summed into its ∂U (81, O, C) at the start of its scratch.
private struct StridedWeightGradientBlocks: ParallelWork {
    let g: Conv2dGeometry
    let input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>
    let scratch: UnsafeMutablePointer<Float>

    func run(part: Int, of parts: Int) {
        let c = g.inputChannels, o = g.outputChannels, positions = Conv2dGeometry.stridedWinogradPositions
        let capacity = g.stridedWinogradBlockCapacity
        let (inputPlaneStride, outputPlaneStride) = (g.stridedWinogradInputPlaneStride, g.stridedWinogradOutputPlaneStride)
        let sum = scratch + part * (positions * o * c + g.stridedWinogradThreadScratchCount)
        let block = StridedBlockScratch(g, at: sum + positions * o * c)
        sum.update(repeating: 0, count: positions * o * c)
        let blocks = g.batch * g.stridedWinogradBlocksPerImage
        for index in blocks * part / parts ..< blocks * (part + 1) / parts {
            let (image, firstRow, rows) = g.stridedWinogradBlock(index)
            block.transformInputs(g, input, image: image, firstRow: firstRow, rows: rows)
            block.transformOutputGradients(g, outputGradient, image: image, firstRow: firstRow, rows: rows)
            for xi in 0..<positions {
                serialMatrixMultiply(m: o, n: c, k: rows * g.stridedWinogradRowStride,
                                     block.m + xi * outputPlaneStride, leadingA: capacity,
                                     block.v + xi * inputPlaneStride, transposeB: true,
                                     leadingB: capacity, into: sum + xi * o * c, beta: 1)
            }
        }
    }
}

/// A₁ᵀ y for four values along a row or column of a 4×4 output gradient: the adjoint of
/// `stridedOutputTransform`.
@inline(__always)
private func stridedOutputGradientTransform(_ y0: SIMD8<Float>, _ y1: SIMD8<Float>, _ y2: SIMD8<Float>,
                                            _ y3: SIMD8<Float>) -> Transformed9 {
    let even = y0 + y2, odd = y1 + y3
    return (y0, even + odd, even - odd, y0 + 2 * y1 + 4 * y2 + 8 * y3, y3, y0, y1, y2, y3)
}

/// ∂M_ξ[t] = (A₁ᵀ ∂Y_t A₁)[ξ], ξ = 9a + b, for the tiles of `tileRows` tile rows from
/// `firstTileRow` of one output channel, ∂Y_t its 4×4 output gradient (zero where the tile
/// overhangs (Ho, Wo) and for the columns past the last tile); ∂M_ξ at `dm + ξ·planeStride`, tile
/// row r at offset r·`stridedWinogradRowStride`. Rows of ∂Y first into `partial` ((4, 9) rows of
/// `stridedWinogradRowStride` floats), then each column b from its four partial rows.
@inline(__always)
private func stridedTransformOutputGradient(_ g: Conv2dGeometry, _ dy: UnsafePointer<Float>, firstTileRow: Int,
                                            tileRows: Int, into dm: UnsafeMutablePointer<Float>, planeStride: Int,
                                            partial: UnsafeMutablePointer<Float>) {
    let stride = g.stridedWinogradRowStride, wo = g.outputWidth, ho = g.outputHeight, step = 9 * planeStride
    for tileRow in 0..<tileRows {
        let oy = 4 * (firstTileRow + tileRow)
        for i in 0..<4 {
            let target = partial + 9 * i * stride
            guard oy + i < ho else {
                target.update(repeating: 0, count: 9 * stride)
                continue
            }
            let row = dy + (oy + i) * wo
            for t in Swift.stride(from: 0, to: stride, by: 8) {
                let y = tileRowColumns(row, from: 4 * t, width: wo)
                let r = stridedOutputGradientTransform(y.0, y.1, y.2, y.3)
                store9(r, target + t, step: stride)
            }
        }
        for b in 0..<9 {
            let column = partial + b * stride, out = dm + b * planeStride + tileRow * stride
            for t in Swift.stride(from: 0, to: stride, by: 8) {
                let p = column + t, rowStep = 9 * stride
                let r = stridedOutputGradientTransform(load8(p), load8(p + rowStep), load8(p + 2 * rowStep),
                                                       load8(p + 3 * rowStep))
                store9(r, out + t, step: step)
            }
        }
    }
}

/// ∂w = Kᵀ ∂U K over the threads' ∂U sums, eight (o, c) pairs a vector, added onto the weight
/// gradient.
private struct StridedWeightGradientSum: RangeWork {
    let pairs: Int, parts: Int
    /// Floats from one part's ∂U (81, O, C) to the next.
    let stride: Int
    let sums: UnsafePointer<Float>, weightGradient: UnsafeMutablePointer<Float>

    func run(_ range: Range<Int>) {
        for first in Swift.stride(from: range.lowerBound, to: range.upperBound, by: 8) {
            let lanes = min(8, range.upperBound - first)
            @inline(__always) func u(_ xi: Int) -> SIMD8<Float> {
                summedWeightGradient(sums, parts: parts, stride: stride, pairs: pairs, position: xi, first: first,
                                     lanes: lanes)
            }
            @inline(__always) func column(_ b: Int) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
                stridedKernelGradientTransform((u(b), u(9 + b), u(18 + b), u(27 + b), u(36 + b), u(45 + b),
                                                u(54 + b), u(63 + b), u(72 + b)))
            }
            // Column b of t = Kᵀ ∂U (3×9) from column b of ∂U, then row i of ∂w = t K from row i of t.
            let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3), c4 = column(4)
            let c5 = column(5), c6 = column(6), c7 = column(7), c8 = column(8)
            addWeightGradientRow(stridedKernelGradientTransform((c0.0, c1.0, c2.0, c3.0, c4.0, c5.0, c6.0, c7.0, c8.0)),
                                 0, to: weightGradient, first: first, lanes: lanes)
            addWeightGradientRow(stridedKernelGradientTransform((c0.1, c1.1, c2.1, c3.1, c4.1, c5.1, c6.1, c7.1, c8.1)),
                                 1, to: weightGradient, first: first, lanes: lanes)
            addWeightGradientRow(stridedKernelGradientTransform((c0.2, c1.2, c2.2, c3.2, c4.2, c5.2, c6.2, c7.2, c8.2)),
                                 2, to: weightGradient, first: first, lanes: lanes)
        }
    }
}

/// Kᵀ u for the nine values along a column or row of ∂U: the adjoint of `stridedKernelTransform`.
@inline(__always)
private func stridedKernelGradientTransform(_ d: Transformed9) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let sixth = (1.0 / 6) * (d.3 - d.2)
    return (0.5 * (d.0 - d.1) + sixth, d.5 + d.6 + d.7 + d.8, d.4 - 0.5 * d.1 + (1.0 / 6) * (d.2 + 2 * d.3))
}

// The input gradient is the forward's adjoint too: per block ∂M = A₁ᵀ ∂Y A₁, ∂V_ξ = U_ξᵀ ∂M_ξ
// (C, tiles), and each tile's 9×9 patch gradient Tᵀ ∂V T added onto the padded input's rows,
// folded onto the input (a reflected border onto the pixels it mirrors, a zero one dropped).
// Neighbouring patches share a row or column: within a block one thread adds them in order; the
// row a block shares with the next (its last, 8·rows) is kept apart per block and channel and
// added after all blocks, channels split over the threads. Padding at most 1, so a reflected
// row lands in its own block.

extension Conv2dGeometry {
    /// Whether the input gradient takes the stride-2 Winograd path: padding at most 1.
    public var usesStridedWinogradInputGradient: Bool { usesStridedWinograd && padding.amount <= 1 }

    /// Floats of scratch `stridedWinogradInputGradient` needs: the forward's (U, one block per
    /// thread), then each block's shared row (a padded row) per input channel.
    var stridedWinogradInputGradientScratchCount: Int {
        stridedWinogradScratchCount
            + batch * stridedWinogradBlocksPerImage * inputChannels * stridedWinogradPaddedRowFloats
    }
}

/// The input gradient of a 3×3 stride-2 convolution (`g.usesStridedWinogradInputGradient`);
/// accumulates (`+=`) into `inputGradient`.
///
/// weight (O, C, 3, 3)  outputGradient (N, O, Ho, Wo)  inputGradient (N, C, H, W)
/// scratch: `g.stridedWinogradInputGradientScratchCount` floats.
func stridedWinogradInputGradient(_ g: Conv2dGeometry, weight: UnsafePointer<Float>,
                                  outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                                  scratch: UnsafeMutablePointer<Float>) {
    let positions = Conv2dGeometry.stridedWinogradPositions, pairs = g.outputChannels * g.inputChannels
    forEachRange(g.outputChannels, work: positions * pairs, StridedWeightTransform(g: g, weight: weight, u: scratch))
    let blockScratch = scratch + positions * pairs
    let sharedRows = blockScratch + g.stridedWinogradThreadScratchCount * g.threads
    let work = g.batch * g.columnColumns * (g.inputChannels + g.outputChannels)
    forEachItem(g.batch * g.stridedWinogradBlocksPerImage, work: work, maximumParts: g.threads,
                StridedInputGradientBlocks(g: g, transformedWeight: scratch, outputGradient: outputGradient,
                                           inputGradient: inputGradient, scratch: blockScratch, sharedRows: sharedRows))
    forEachRange(g.inputChannels, work: g.batch * g.stridedWinogradBlocksPerImage * g.inputChannels
                    * g.stridedWinogradPaddedRowFloats,
                 StridedSharedRows(g: g, sharedRows: sharedRows, inputGradient: inputGradient))
}

/// The blocks of the input gradient, taken by whichever thread is free: ∂M from the output
/// gradient, ∂V_ξ = U_ξᵀ ∂M_ξ, then each input channel's patch gradients onto its padded rows,
/// folded onto the input gradient but for the block's last row, kept in `sharedRows`.
private struct StridedInputGradientBlocks: ItemWork {
    let g: Conv2dGeometry
    /// U (81, O, C).
    let transformedWeight: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>
    let inputGradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    let sharedRows: UnsafeMutablePointer<Float>

    func run(item index: Int, part: Int) {
        let c = g.inputChannels, o = g.outputChannels, positions = Conv2dGeometry.stridedWinogradPositions
        let capacity = g.stridedWinogradBlockCapacity, stride = g.stridedWinogradRowStride
        let (inputPlaneStride, outputPlaneStride) = (g.stridedWinogradInputPlaneStride, g.stridedWinogradOutputPlaneStride)
        let block = StridedBlockScratch(g, at: scratch + part * g.stridedWinogradThreadScratchCount)
        let (dv, dm, horizontal, row) = (block.v, block.m, block.horizontal, block.row)
        let (image, firstRow, rows) = g.stridedWinogradBlock(index)
        block.transformOutputGradients(g, outputGradient, image: image, firstRow: firstRow, rows: rows)
        let columns = sgemmColumns(rows * stride)
        for xi in 0..<positions {
            serialMatrixMultiply(m: c, n: columns, k: o, transformedWeight + xi * o * c, transposeA: true, leadingA: c,
                                 dm + xi * outputPlaneStride, leadingB: capacity,
                                 into: dv + xi * inputPlaneStride, leadingC: capacity)
        }
        let plane = g.height * g.width, rowFloats = 9 * stride, step = 9 * inputPlaneStride
        for channel in 0..<c {
            // Tᵀ along the columns of each tile row's patches, added onto the rows' horizontal values.
            horizontal.update(repeating: 0, count: (8 * rows + 1) * rowFloats)
            for tileRow in 0..<rows {
                let r0 = horizontal + 8 * tileRow * rowFloats
                for j in 0..<9 {
                    let source = dv + channel * capacity + j * inputPlaneStride + tileRow * stride, target = r0 + j * stride
                    for t in Swift.stride(from: 0, to: stride, by: 8) {
                        let p = source + t
                        @inline(__always) func at(_ a: Int) -> SIMD8<Float> { load8(p + a * step) }
                        let d = stridedInputGradientTransform((at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7),
                                                               at(8)))
                        @inline(__always) func add(_ value: SIMD8<Float>, _ k: Int) {
                            let q = target + k * rowFloats + t
                            store8(load8(q) + value, q)
                        }
                        add(d.0, 0)
                        add(d.1, 1)
                        add(d.2, 2)
                        add(d.3, 3)
                        add(d.4, 4)
                        add(d.5, 5)
                        add(d.6, 6)
                        add(d.7, 7)
                        add(d.8, 8)
                    }
                }
            }
            // Tᵀ along each padded row, the patches' samples interleaved back into it, then folded.
            let dx = inputGradient + (image * c + channel) * plane
            for r in 0 ..< 8 * rows + 1 {
                let shared = r == 8 * rows
                let target = shared ? sharedRows + (index * c + channel) * g.stridedWinogradPaddedRowFloats : row
                paddedRowGradient(horizontal + r * rowFloats, stride: stride, into: target)
                if !shared { foldPaddedRow(g, target, paddedRow: 8 * firstRow + r, into: dx) }
            }
        }
    }
}

/// Tᵀ g for the nine values along a row or column of a patch's ∂V: the adjoint of
/// `stridedInputTransform`, the nine samples' gradients in patch order.
@inline(__always)
private func stridedInputGradientTransform(_ g: Transformed9) -> Transformed9 {
    let s = g.0 + g.1 + g.2 + g.3 - 2 * g.4
    return (2 * g.0, g.5, 3 * g.2 - g.1 - s, g.6, -2 * g.0 - g.1 - 3 * g.2 - g.4, g.7, s, g.8, g.4)
}

/// One padded row's gradient from its horizontal values (9 rows of `stride` floats, lane t:
/// tile t): Tᵀ per tile, sample k of tile t at 8t + k, the ninth added onto the next tile's
/// first; `8·stride + 1` floats to `row`.
@inline(__always)
private func paddedRowGradient(_ values: UnsafePointer<Float>, stride: Int, into row: UnsafeMutablePointer<Float>) {
    var carry: Float = 0
    for t in Swift.stride(from: 0, to: stride, by: 8) {
        @inline(__always) func at(_ j: Int) -> SIMD8<Float> { load8(values + j * stride + t) }
        let d = stridedInputGradientTransform((at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), at(8)))
        let ninth = d.8
        let first = d.0 + SIMD8(carry, ninth[0], ninth[1], ninth[2], ninth[3], ninth[4], ninth[5], ninth[6])
        carry = ninth[7]
        // The inverse of `patchSamples`' split: by index mod 8, then mod 4, then mod 2.
        var mod0 = SIMD16<Float>(), mod1 = SIMD16<Float>(), mod2 = SIMD16<Float>(), mod3 = SIMD16<Float>()
        (mod0.evenHalf, mod0.oddHalf) = (first, d.4)
        (mod1.evenHalf, mod1.oddHalf) = (d.1, d.5)
        (mod2.evenHalf, mod2.oddHalf) = (d.2, d.6)
        (mod3.evenHalf, mod3.oddHalf) = (d.3, d.7)
        var even0 = SIMD16<Float>(), even1 = SIMD16<Float>(), odd0 = SIMD16<Float>(), odd1 = SIMD16<Float>()
        (even0.evenHalf, even0.oddHalf) = (mod0.lowHalf, mod2.lowHalf)
        (even1.evenHalf, even1.oddHalf) = (mod0.highHalf, mod2.highHalf)
        (odd0.evenHalf, odd0.oddHalf) = (mod1.lowHalf, mod3.lowHalf)
        (odd1.evenHalf, odd1.oddHalf) = (mod1.highHalf, mod3.highHalf)
        var a = SIMD16<Float>(), b = SIMD16<Float>(), c = SIMD16<Float>(), e = SIMD16<Float>()
        (a.evenHalf, a.oddHalf) = (even0.lowHalf, odd0.lowHalf)
        (b.evenHalf, b.oddHalf) = (even0.highHalf, odd0.highHalf)
        (c.evenHalf, c.oddHalf) = (even1.lowHalf, odd1.lowHalf)
        (e.evenHalf, e.oddHalf) = (even1.highHalf, odd1.highHalf)
        let target = UnsafeMutableRawPointer(row + 8 * t)
        target.storeBytes(of: a, as: SIMD16<Float>.self)
        target.storeBytes(of: b, toByteOffset: 64, as: SIMD16<Float>.self)
        target.storeBytes(of: c, toByteOffset: 128, as: SIMD16<Float>.self)
        target.storeBytes(of: e, toByteOffset: 192, as: SIMD16<Float>.self)
    }
    row[8 * stride] = carry
}

/// Adds the gradient of padded row `paddedRow` (`8·stride + 1` floats of `row`, column q the
/// padded column q) onto the input gradient plane `dx` (H, W): a reflected border onto the pixels
/// it mirrors, a zero one and anything past the padded input dropped.
@inline(__always)
private func foldPaddedRow(_ g: Conv2dGeometry, _ row: UnsafePointer<Float>, paddedRow: Int,
                           into dx: UnsafeMutablePointer<Float>) {
    let p = g.padding.amount, h = g.height, w = g.width, reflecting = g.padding.reflects
    let count = 8 * g.stridedWinogradRowStride + 1
    var iy = paddedRow - p
    if iy < 0 || iy >= h {
        guard reflecting && iy >= -p && iy < h + p else { return }
        iy = reflect(iy, h)
    }
    let target = dx + iy * w, interior = min(w, count - p)
    var x = 0
    while x + 8 <= interior {
        store8(load8(target + x) + load8(row + p + x), target + x)
        x += 8
    }
    while x < interior {
        target[x] += row[p + x]
        x += 1
    }
    guard reflecting else { return }
    for q in 0..<p { target[reflect(q - p, w)] += row[q] }
    for q in p + w ..< min(2 * p + w, count) { target[reflect(q - p, w)] += row[q] }
}

/// The rows blocks share with the next, added after all blocks onto the input gradient, input
/// channels split over the threads (each channel's in block order).
private struct StridedSharedRows: RangeWork {
    let g: Conv2dGeometry
    let sharedRows: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>

    func run(_ channels: Range<Int>) {
        let c = g.inputChannels, plane = g.height * g.width
        for index in 0 ..< g.batch * g.stridedWinogradBlocksPerImage {
            let (image, firstRow, rows) = g.stridedWinogradBlock(index)
            for channel in channels {
                foldPaddedRow(g, sharedRows + (index * c + channel) * g.stridedWinogradPaddedRowFloats,
                              paddedRow: 8 * (firstRow + rows), into: inputGradient + (image * c + channel) * plane)
            }
        }
    }
}
