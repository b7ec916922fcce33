// Winograd F(2×2, 3×3) and F(4×4, 3×3) for 3×3 stride-1 convolutions, forward and backward
// (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016). F(2×2) is described
// here; F(4×4), which maps of 32² and more take, works the same way with 6×6 patches (below,
// before the weight gradient).
//
// Each 2×2 block of output pixels ("tile") is computed from the 4×4 input patch under it:
// y = Aᵀ [ Σ_c (G w Gᵀ) ⊙ (Bᵀ d B) ] A. Over a block of tiles this is 16 products
// M_ξ (O, tiles) = U_ξ (O, C) · V_ξ (C, tiles), one per position ξ of the 4×4 transformed patch:
// 16 multiply-adds per 4 outputs instead of 36, 2.25× fewer than the direct conv. The products
// have depth C instead of the shifted rows' 3·C, which OpenBLAS runs a little further from its
// ceiling; the transforms add and subtract only (G's halves are exact), so the result differs
// from the direct conv by a few ulps of the partial sums.
//
//     Bᵀ = [1  0 −1  0]     G = [1    0    0  ]     Aᵀ = [1 1  1  0]
//          [0  1  1  0]         [1/2  1/2  1/2]          [0 1 −1 −1]
//          [0 −1  1  0]         [1/2 −1/2  1/2]
//          [0  1  0 −1]         [0    0    1  ]
//
// The backward uses the same machinery twice: the input gradient of the padded input's interior
// is the Winograd forward of the transposed conv (the output gradient zero-padded by 2 − p, the
// weight read rotated and transposed), folded back through the upsampling, and a reflected
// border's gradient is added from four one-pixel strips; the weight gradient is the forward's
// adjoint, ∂U_ξ += ∂M_ξ · V_ξᵀ with ∂M = A ∂Y Aᵀ, then ∂w = Gᵀ ∂U G.
//
// Tiles are taken in blocks of whole tile rows of one image (or of several small images); a
// block's V and M (about 1 MB, but at least 128 columns a product) stay in L2 between the input
// transform, the 16 (36) sgemm calls and the output transform. F(4×4) on maps at most 16 wide
// puts two images in each row of 8 tiles. Threads take whole blocks as they come free and write
// only their blocks' output rows, and a block's arithmetic does not depend on the thread, so the
// forward and the input gradient are the same on any number of threads. The weight gradient
// gives each thread a fixed range of blocks and sums them apart, then the threads' sums in
// order (or, for wide channels on small maps, takes a whole image at a time on all threads and
// splits the products by position): the same from run to run, its last bits depending on the
// thread count.
//
// The padding and the nearest ×2 upsampling of the input are read through, as in im2col; tiles
// that overhang an odd output size read zeros past the padded input and their extra outputs are
// dropped.

extension Conv2dGeometry {
    /// Tiles (`winogradTile`² output blocks) per row of the output: ⌈Wo / tile⌉.
    public var winogradTilesPerRow: Int { (outputWidth + winogradTile - 1) / winogradTile }
    /// Tile rows of the output: ⌈Ho / tile⌉.
    public var winogradTileRows: Int { (outputHeight + winogradTile - 1) / winogradTile }
    /// Positions ξ of a transformed patch, (tile + 2)²: the products per block.
    public var winogradPositions: Int { (winogradTile + 2) * (winogradTile + 2) }
    /// Floats per tile row in V and M: tiles per row rounded up to 8, the transforms' vector width.
    public var winogradRowStride: Int { Self.winogradRowStride(tilesPerRow: winogradTilesPerRow) }

    static func winogradRowStride(tilesPerRow: Int) -> Int { (tilesPerRow + 7) / 8 * 8 }

    /// Whether a Winograd forward of an output this wide computes at most half again as many
    /// tiles as there are (the rounding of `winogradRowStride`), still ≥ 1.5× fewer
    /// multiply-adds than the direct conv; narrower maps stay on shifted rows.
    static func suitsWinograd(outputWidth: Int) -> Bool {
        let tilesPerRow = (outputWidth + 1) / 2
        return 2 * winogradRowStride(tilesPerRow: tilesPerRow) <= 3 * tilesPerRow
    }

    /// The product work of F(4×4, 3×3) at most, as a fraction of F(2×2, 3×3)'s (positions ×
    /// rounded tiles), for a conv to take it: its transforms cost more per tile, and its
    /// rounding of tile rows to 8 tiles is coarser. At 128² it does 0.56 of the products, at
    /// 16² 0.56 too with two images a row (`winogradImagesPerRow`).
    ///
    /// The choice does not depend on the batch, so that a conv rounds the same way on any number
    /// of ranks (one image alone at 16² does 1.1 of F(2×2)'s work; SPARNetHD's 16² convs at
    /// batch 1 are 0.2 % of its generator).
    static let largeWinogradTileWork = 0.8

    /// Whether F(4×4, 3×3) does at most `largeWinogradTileWork` of F(2×2, 3×3)'s product work.
    static func suitsLargeWinogradTiles(outputHeight: Int, outputWidth: Int) -> Bool {
        func work(_ tile: Int) -> Double {
            let tilesPerRow = (outputWidth + tile - 1) / tile, tileRows = (outputHeight + tile - 1) / tile
            return Double((tile + 2) * (tile + 2) * winogradRowStride(tilesPerRow: tilesPerRow) * tileRows)
                / Double(imagesPerRow(tile: tile, tilesPerRow: tilesPerRow))
        }
        return work(4) <= largeWinogradTileWork * work(2)
    }

    /// Images side by side in a tile row of V and M: 2 where F(4×4) has at most 4 tiles a row
    /// (outputs at most 16 wide), which would leave half of the transforms' 8 lanes empty; the
    /// first image's tiles take lanes 0–3 and the second's lanes 4–7 of the same rows. Else 1.
    public var winogradImagesPerRow: Int { Self.imagesPerRow(tile: winogradTile, tilesPerRow: winogradTilesPerRow) }

    static func imagesPerRow(tile: Int, tilesPerRow: Int) -> Int { tile == 4 && tilesPerRow <= 4 ? 2 : 1 }

    /// Groups of `winogradImagesPerRow` images sharing tile rows (the last one short if N is odd).
    public var winogradImageGroups: Int { (batch + winogradImagesPerRow - 1) / winogradImagesPerRow }

    /// Floats of V and M a block aims at (1 MB): a block's transforms and its products then
    /// run within a core's L2. Larger blocks (the im2col tiles' 4 MB and 2048 columns, as at first)
    /// took 1.15–1.2× as long for the forward and the input gradient of 64-channel convs at 64².
    static let winogradBlockFloats = 1 << 18

    /// Columns a block's products have at least, whatever `winogradBlockFloats` says, where the
    /// batch has the tiles: each product packs its U_ξ (O, C) for the block's columns, which
    /// dominates below about a hundred of them. 512→512 at 32², batch 1: forward 32.6 → 13.8 ms
    /// (blocks of one row of 8 tiles → 32 columns); 64→64 at 128², batch 8: backward 60.7 → 47.4 ms
    /// (32 → 128 columns); 512→512 at 64²: forward 73 → 33 ms.
    static let winogradMinimumBlockColumns = 128

    /// Tile rows per block: V and M within `winogradBlockFloats` but at least
    /// `winogradMinimumBlockColumns` columns, and few enough rows that every thread gets a block;
    /// a `tileFloats` below the default caps them too (the tests' small blocks). At least one
    /// row, blocks of one image group as even as they can be. Pairs of images
    /// (`winogradImagesPerRow`) aim at `winogradMultiImageBlockFloats`.
    public var winogradBlockRows: Int {
        let perRow = winogradPositions * (inputChannels + outputChannels) * winogradRowStride
        let limit = winogradImagesPerRow > 1 ? Self.winogradMultiImageBlockFloats : Self.winogradBlockFloats
        var rows = max(limit / perRow, (Self.winogradMinimumBlockColumns + winogradRowStride - 1) / winogradRowStride)
        let blocksForThreads = (threads + winogradImageGroups - 1) / winogradImageGroups
        rows = min(rows, (winogradTileRows + blocksForThreads - 1) / blocksForThreads)
        if tileFloats < Self.defaultTileFloats { rows = min(rows, tileFloats / perRow) }
        rows = max(1, min(winogradTileRows, rows))
        let blocks = (winogradTileRows + rows - 1) / rows
        return (winogradTileRows + blocks - 1) / blocks
    }
    /// Blocks of one image group.
    public var winogradBlocksPerGroup: Int { (winogradTileRows + winogradBlockRows - 1) / winogradBlockRows }

    /// Floats of V and M a block of several whole images aims at (`winogradGroupsPerBlock`):
    /// twice `winogradBlockFloats`. 128→128 at 16², batch 8: one image a block (64 columns per
    /// product) took 1.1–1.2× as long as two, and four were no faster than two.
    static let winogradMultiImageBlockFloats = 2 * winogradBlockFloats

    /// Whole image groups per block: where one group's tiles take less than a block (small maps),
    /// as many as fit `winogradMultiImageBlockFloats` or make `winogradMinimumBlockColumns`, in a
    /// number of blocks that is a multiple of the threads (8 groups in blocks of 3 kept one of
    /// two threads idle a third of the time); else 1.
    public var winogradGroupsPerBlock: Int {
        guard winogradBlocksPerGroup == 1 else { return 1 }
        let groups = winogradImageGroups, groupColumns = winogradTileRows * winogradRowStride
        let perGroup = winogradPositions * (inputChannels + outputChannels) * groupColumns
        let most = max(1, Self.winogradMultiImageBlockFloats / perGroup,
                       (Self.winogradMinimumBlockColumns + groupColumns - 1) / groupColumns)
        let blocks = ((groups + most - 1) / most + threads - 1) / threads * threads
        return max(1, (groups + blocks - 1) / blocks)
    }

    /// Blocks of the batch.
    public var winogradBlockCount: Int {
        winogradBlocksPerGroup == 1 ? (winogradImageGroups + winogradGroupsPerBlock - 1) / winogradGroupsPerBlock
            : winogradImageGroups * winogradBlocksPerGroup
    }

    /// Columns of a block's V_ξ and M_ξ: its tile rows at `winogradRowStride`, as sgemm columns.
    var winogradBlockCapacity: Int { sgemmColumns(winogradGroupsPerBlock * winogradBlockRows * winogradRowStride) }

    /// Floats from V_ξ to V_ξ₊₁ in a block: C rows of `winogradBlockCapacity`, and one cache line
    /// more. Without it the planes are a multiple of 4 KiB apart, and the transforms, which read or
    /// write all 16 or 36 of them at once, evict their own lines from L1 (64→64 at 128², F(4×4):
    /// the output transform took 1.3× as long as its products).
    var winogradInputPlaneStride: Int { inputChannels * winogradBlockCapacity + 16 }
    /// Floats from M_ξ to M_ξ₊₁ in a block, as `winogradInputPlaneStride`.
    var winogradOutputPlaneStride: Int { outputChannels * winogradBlockCapacity + 16 }

    /// Floats of one thread's Winograd scratch: V (positions, C, tiles) and M (positions, O,
    /// tiles) of a block, the horizontal transforms of its tile·rows + 2 input rows (tile + 2 per
    /// tile) and one padded input row (tile·`winogradRowStride` + tile, the transform's last load).
    var winogradThreadScratchCount: Int {
        winogradPositions * (winogradInputPlaneStride + winogradOutputPlaneStride)
            + winogradRowBufferFloats(tileRows: winogradBlockRows)
    }

    /// Floats of the horizontal transforms of `tileRows` tile rows' tile·rows + 2 input rows.
    func winogradHorizontalFloats(tileRows: Int) -> Int {
        (winogradTile * tileRows + 2) * (winogradTile + 2) * winogradRowStride
    }

    /// Floats of one thread's row buffers for `tileRows` tile rows: their horizontal transforms
    /// and one padded input row (tile·`winogradRowStride` + tile, the transform's last load).
    func winogradRowBufferFloats(tileRows: Int) -> Int {
        winogradHorizontalFloats(tileRows: tileRows) + winogradTile * winogradRowStride + winogradTile
    }

    /// Floats of scratch the Winograd forward needs: U (positions, O, C), then one block per thread.
    var winogradScratchCount: Int {
        winogradPositions * outputChannels * inputChannels + winogradThreadScratchCount * threads
    }

    /// The convolution whose output is the gradient of the (upsampled) input's interior, the
    /// padded input without its border: the output gradient (N, O, Ho, Wo) zero-padded by 2 − p
    /// and convolved with the weight rotated by 180° and transposed to (C, O, 3, 3), giving
    /// (N, C, H, W). Its Winograd forward is the input gradient with sgemm depth O over a third of
    /// the direct products' work; a reflected border's gradient is added apart (`BorderStrips`).
    public var inputGradientGeometry: Conv2dGeometry {
        let margin = 2 - min(padding.amount, 2)
        return Conv2dGeometry(batch: batch, inputChannels: outputChannels, outputChannels: inputChannels,
                              height: outputHeight, width: outputWidth, kernelSize: 3,
                              padding: margin == 0 ? .none : .zero(margin),
                              tileFloats: tileFloats, minimumTileColumns: minimumTileColumns, threads: threads,
                              options: ConvolutionOptions(shiftedRows: false, winograd: usesWinograd,
                                                          largeWinogradTiles: inputGradientWinogradTile == 4,
                                                          stridedWinograd: options.stridedWinograd,
                                                          oneChannelDirect: options.oneChannelDirect))
    }

    /// The geometry `winogradWeightGradient` runs on: this one, or F(2×2, 3×3) where the forward
    /// puts two images in a row (`winogradImagesPerRow`): 128→128 at 16², batch 16, took 1.2× as
    /// long on F(4×4) (blocks of 32–96 tiles then, F(4×4)'s weight-gradient products as deep).
    public var weightGradientGeometry: Conv2dGeometry {
        guard winogradImagesPerRow > 1 else { return self }
        return Conv2dGeometry(batch: batch, inputChannels: inputChannels, outputChannels: outputChannels,
                              height: height, width: width, kernelSize: kernelSize, stride: stride, padding: padding,
                              upsamplesInput: upsamplesInput, tileFloats: tileFloats,
                              minimumTileColumns: minimumTileColumns, threads: threads, options: options,
                              largeForwardTiles: false)
    }

    /// Floats of scratch `winogradWeightGradient` needs (of `weightGradientGeometry`): per thread,
    /// its sum of U's gradient (positions, O, C) and a block's V and M; or, splitting positions,
    /// one ∂U, a whole group's V and ∂M and each thread's row buffers.
    var winogradWeightGradientScratchCount: Int {
        let g = weightGradientGeometry, sum = g.winogradPositions * g.outputChannels * g.inputChannels
        if g.winogradWeightGradientSplitsPositions {
            return sum + g.winogradWholeGroupFloats + g.winogradRowBufferFloats(tileRows: g.winogradTileRows) * threads
        }
        return (sum + g.winogradThreadScratchCount) * threads
    }

    /// Columns of a whole image group's V_ξ and ∂M_ξ, as sgemm columns (`sgemmColumns`).
    var winogradGroupCapacity: Int { sgemmColumns(winogradTileRows * winogradRowStride) }

    /// Floats of a whole image group's V and ∂M (with a cache line between planes).
    var winogradWholeGroupFloats: Int {
        winogradPositions * ((inputChannels + outputChannels) * winogradGroupCapacity + 32)
    }

    /// Whether the weight gradient takes one whole image group at a time on all threads, its
    /// products split by position ξ into one ∂U, instead of each thread summing its own blocks
    /// into its own ∂U: where a thread's ∂U (positions, O, C), zeroed and summed, outweighs its
    /// share of the batch's V and ∂M, and a group's fit 16 M floats. That is wide channels on
    /// small maps: SPARNetHD's 512→512 at 32² and 64², batch 1.
    public var winogradWeightGradientSplitsPositions: Bool {
        guard threads > 1, winogradWholeGroupFloats <= 1 << 24 else { return false }
        let threadSums = winogradPositions * outputChannels * inputChannels * threads
        return threadSums > winogradImageGroups * winogradWholeGroupFloats
    }

    /// Whether the backward computes the input gradient with Winograd (`winogradInputGradient`):
    /// padding up to 2 (a reflected one of 1: its border strips are one pixel wide), and the
    /// transposed conv rounds its rows up by at most a quarter. Above that the shifted rows win
    /// (a 128-channel conv whose 34 columns became 24 tiles for 17 took 1.1× their time).
    public var usesWinogradInputGradient: Bool {
        guard usesWinograd, padding.amount <= 2, !padding.reflects || padding.amount == 1 else { return false }
        let transposed = inputGradientGeometry
        return transposed.usesWinograd
            && 4 * transposed.winogradRowStride <= 5 * transposed.winogradImagesPerRow * transposed.winogradTilesPerRow
    }

    /// Positions of one image along a border strip of a reflected padding: the padded width W + 2
    /// for the top and bottom rows, the height H for the left and right columns (whose corners
    /// are the rows').
    var borderStripLength: Int { max(width + 2, height) }

    /// Columns of a border strip's product: every image's positions, as sgemm columns
    /// (`sgemmColumns`), so the sgemm takes no heap buffer.
    var borderStripColumns: Int { sgemmColumns(batch * borderStripLength) }

    /// Floats of scratch `winogradInputGradient` needs: the interior's gradient, then the
    /// transposed conv's Winograd scratch or, after it, the border strips' weights (4, C, 3·O),
    /// their gradients (4, C, columns) and each thread's output-gradient lines (3·O, columns).
    var winogradInputGradientScratchCount: Int {
        let transposed = inputGradientGeometry
        let strips = padding.reflects
            ? 4 * inputChannels * 3 * outputChannels + (4 * inputChannels + threads * 3 * outputChannels) * borderStripColumns
            : 0
        return transposed.outputCount + max(transposed.winogradScratchCount, strips)
    }
}

/// The input gradient of a 3×3 stride-1 convolution (`g.usesWinogradInputGradient`): the
/// gradient of the (upsampled) input's interior as the Winograd forward of
/// `g.inputGradientGeometry`, added onto the stored input, each upsampled 2×2 block summed onto
/// its pixel; a zero border's gradient is dropped, a reflected one's added onto the pixels it
/// mirrors (`BorderStrips`). Accumulates (`+=`) into `inputGradient`.
///
/// outputGradient (N, O, Ho, Wo)  weight (O, C, 3, 3)  inputGradient (N, C, H, W) or
/// (N, C, H/2, W/2) with `upsamplesInput`  scratch: `g.winogradInputGradientScratchCount` floats.
func winogradInputGradient(_ g: Conv2dGeometry, weight: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                           inputGradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
    let transposed = g.inputGradientGeometry
    let interior = scratch, rest = scratch + transposed.outputCount
    winogradForward(transposed, input: outputGradient, weight: weight, rotatingTransposed: true, bias: nil,
                    output: interior, scratch: rest)
    if g.upsamplesInput {
        forEachRange(g.batch * g.inputChannels, work: transposed.outputCount,
                     FoldUpsampledGradient(g: g, interior: interior, inputGradient: inputGradient))
    } else {
        accumulate(interior, into: inputGradient, count: g.inputCount)
    }
    guard g.padding.reflects else { return }
    let c = g.inputChannels, o = g.outputChannels
    let stripWeights = rest, strips = stripWeights + 4 * c * 3 * o, lines = strips + 4 * c * g.borderStripColumns
    forEachRange(c, work: 12 * c * o, BorderStripWeights(g: g, weight: weight, stripWeights: stripWeights))
    forEachItem(4, work: 4 * 3 * o * g.borderStripColumns, maximumParts: g.threads,
                BorderStrips(g: g, stripWeights: stripWeights, outputGradient: outputGradient, strips: strips,
                             lines: lines))
    forEachRange(g.batch * c, work: 4 * g.batch * c * g.borderStripLength,
                 FoldBorderStrips(g: g, strips: strips, inputGradient: inputGradient))
}

/// Sums each upsampled 2×2 block of the interior's gradient (H, W) onto its stored pixel, one
/// (image, channel) plane per item.
private struct FoldUpsampledGradient: RangeWork {
    let g: Conv2dGeometry
    let interior: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>

    func run(_ planes: Range<Int>) {
        let h = g.height, w = g.width
        for plane in planes {
            let source = interior + plane * h * w
            let target = inputGradient + plane * g.storedHeight * g.storedWidth
            for y in 0 ..< h {
                let from = source + y * w, to = target + (y >> 1) * g.storedWidth
                for x in 0 ..< w / 2 { to[x] += from[2 * x] + from[2 * x + 1] }
            }
        }
    }
}

/// The weights of the four border strips of a reflected padding of 1, (4, C, 3·O) for a range
/// of input channels: the padded input's gradient on its top row takes only the kernel's top
/// row (tap (0, t)), its bottom row tap (2, t), its left column tap (t, 0), its right column
/// tap (t, 2); strip s holds w[o][c][tap] at [s][c][t·O + o].
private struct BorderStripWeights: RangeWork {
    let g: Conv2dGeometry
    let weight: UnsafePointer<Float>, stripWeights: UnsafeMutablePointer<Float>

    func run(_ channels: Range<Int>) {
        let c = g.inputChannels, o = g.outputChannels, side = c * 3 * o
        for ic in channels {
            for t in 0..<3 {
                for oc in 0..<o {
                    let w = weight + (oc * c + ic) * 9, row = ic * 3 * o + t * o + oc
                    stripWeights[row] = w[t]
                    stripWeights[side + row] = w[6 + t]
                    stripWeights[2 * side + row] = w[3 * t]
                    stripWeights[3 * side + row] = w[3 * t + 2]
                }
            }
        }
    }
}

/// The gradient of a reflected padding's border (p = 1), one side of the padded input per item.
/// The padded input's gradient at (R, S) is Σ_o,i,j w[o][c][i][j] · dy[o][R − i][S − j]; on the
/// top row R = 0 only i = 0 reaches the output, so that row is (C, W + 2) = strip weights
/// (C, 3·O) · lines (3·O, W + 2) with line (t, o) = dy[o][0][S − t]; the bottom row the same from
/// dy's last row with i = 2, and the left and right columns (rows 1…H) from dy's first and last
/// columns. One product per side covers every image, image n at column n·L.
private struct BorderStrips: ItemWork {
    let g: Conv2dGeometry
    /// (4, C, 3·O): top, bottom, left, right (`BorderStripWeights`).
    let stripWeights: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>
    /// (4, C, columns), and one (3·O, columns) per thread.
    let strips: UnsafeMutablePointer<Float>, lines: UnsafeMutablePointer<Float>

    func run(item side: Int, part: Int) {
        let c = g.inputChannels, o = g.outputChannels, h = g.height, w = g.width, plane = h * w
        let length = g.borderStripLength, columns = g.borderStripColumns
        let isRow = side < 2, far = side % 2 == 1
        // Line (t, o) of image n at column n·L + q: dy[n][o] on row `line` at column q − t (rows),
        // or on column `line` at row q + 1 − t (columns); zero outside dy and past the positions.
        let line = far ? (isRow ? h - 1 : w - 1) : 0
        let linesOfPart = lines + part * 3 * o * columns
        for t in 0..<3 {
            for oc in 0..<o {
                let row = linesOfPart + (t * o + oc) * columns
                for n in 0..<g.batch {
                    let target = row + n * length, source = dy(n, oc, plane)
                    target.update(repeating: 0, count: length)
                    if isRow {
                        (target + t).update(from: source + line * w, count: w)
                    } else {
                        // Rows q + 1 − t in 0..<H for q in 0..<H.
                        for q in max(0, t - 1) ..< min(h, h + t - 1) { target[q] = source[(q + 1 - t) * w + line] }
                    }
                }
                (row + g.batch * length).update(repeating: 0, count: columns - g.batch * length)
            }
        }
        serialMatrixMultiply(m: c, n: columns, k: 3 * o, stripWeights + side * c * 3 * o, linesOfPart,
                             into: strips + side * c * columns)
    }

    @inline(__always)
    private func dy(_ n: Int, _ oc: Int, _ plane: Int) -> UnsafePointer<Float> {
        outputGradient + (n * g.outputChannels + oc) * plane
    }
}

/// Adds the four border strips of each (image, channel) plane onto the pixels they mirror, in
/// side order: the top row lands on input row 1 (reflect(−1)), the bottom on H − 2, the columns
/// on input columns 1 and W − 2 (upsampled coordinates).
private struct FoldBorderStrips: RangeWork {
    let g: Conv2dGeometry
    let strips: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>

    func run(_ planes: Range<Int>) {
        let c = g.inputChannels, h = g.height, w = g.width, up = g.upsamplesInput ? 1 : 0
        let length = g.borderStripLength, columns = g.borderStripColumns
        for index in planes {
            let (n, ic) = index.quotientAndRemainder(dividingBy: c)
            let target = inputGradient + index * g.storedHeight * g.storedWidth
            for side in 0..<4 {
                let isRow = side < 2, far = side % 2 == 1
                let values = strips + (side * c + ic) * columns + n * length
                let mirrored = far ? (isRow ? h - 2 : w - 2) : 1
                if isRow {
                    let row = target + (mirrored >> up) * g.storedWidth
                    for q in 0 ..< w + 2 { row[reflect(q - 1, w) >> up] += values[q] }
                } else {
                    let column = target + (mirrored >> up)
                    for q in 0..<h { column[(q >> up) * g.storedWidth] += values[q] }
                }
            }
        }
    }
}

/// The Winograd forward of a 3×3 stride-1 convolution (`g.usesWinograd`); overwrites `output`.
///
/// input (N, C, H, W), or (N, C, H/2, W/2) with `upsamplesInput`  weight (O, C, 3, 3), or
/// (C, O, 3, 3) read rotated with `rotatingTransposed` (`transformWeight`)  bias (O) or nil
/// output (N, O, Ho, Wo)  scratch: `g.winogradScratchCount` floats.
func winogradForward(_ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                     rotatingTransposed: Bool = false, bias: UnsafePointer<Float>?,
                     output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
    transformWeight(g, weight, rotatingTransposed: rotatingTransposed, into: scratch)
    let blocks = WinogradForwardBlocks(g: g, input: input, transformedWeight: scratch, bias: bias, output: output,
                                       scratch: scratch + g.winogradPositions * g.outputChannels * g.inputChannels)
    forEachItem(g.winogradBlockCount, work: g.batch * g.columnColumns * (g.inputChannels + g.outputChannels),
                maximumParts: g.threads, blocks)
}

/// U_ξ[o][c] = (G w[o][c] Gᵀ)[ξ] for ξ = (tile + 2)·a + b: weight (O, C, 3, 3) → U (positions,
/// O, C), split over the threads by output channel; overwrites `u`. With `rotatingTransposed`
/// the weight is read as the transposed conv's (`inputGradientGeometry`): w[o][c] = stored[c][o]
/// rotated by 180°, the stored weight being (C, O, 3, 3) in `g`'s terms.
private func transformWeight(_ g: Conv2dGeometry, _ weight: UnsafePointer<Float>, rotatingTransposed: Bool = false,
                             into u: UnsafeMutablePointer<Float>) {
    let pairs = g.outputChannels * g.inputChannels
    forEachRange(g.outputChannels, work: g.winogradPositions * pairs,
                 WeightTransform(g: g, weight: weight, rotatingTransposed: rotatingTransposed, u: u))
}

private struct WeightTransform: RangeWork {
    let g: Conv2dGeometry
    let weight: UnsafePointer<Float>, rotatingTransposed: Bool
    let u: UnsafeMutablePointer<Float>

    func run(_ outputChannels: Range<Int>) {
        let o = g.outputChannels, c = g.inputChannels, pairs = o * c
        // Tap (i, j) of w[oc][ic] at w + i·row + j·column; lane k (input channel ic + k) `lane` further.
        let (row, column, lane) = rotatingTransposed ? (-3, -1, 9 * o) : (3, 1, 9)
        for oc in outputChannels {
            // Eight input channels at a time: each U_ξ of eight pairs is one contiguous store.
            for ic in Swift.stride(from: 0, to: c, by: 8) {
                let lanes = min(8, c - ic), pair = oc * c + ic
                let w = rotatingTransposed ? weight + (ic * o + oc) * 9 + 8 : weight + pair * 9
                @inline(__always) func tap(_ i: Int, _ j: Int) -> SIMD8<Float> {
                    var value = SIMD8<Float>()
                    for k in 0..<lanes { value[k] = w[k * lane + i * row + j * column] }
                    return value
                }
                @inline(__always) func store(_ value: SIMD8<Float>, _ xi: Int) {
                    let target = u + xi * pairs + pair
                    if lanes == 8 {
                        store8(value, target)
                    } else {
                        for k in 0..<lanes { target[k] = value[k] }
                    }
                }
                if g.winogradTile == 4 {
                    // Column j of t = G w (6×3), then U = t Gᵀ: row a of U from row a of t.
                    let t0 = kernelTransform4(tap(0, 0), tap(1, 0), tap(2, 0))
                    let t1 = kernelTransform4(tap(0, 1), tap(1, 1), tap(2, 1))
                    let t2 = kernelTransform4(tap(0, 2), tap(1, 2), tap(2, 2))
                    @inline(__always) func storeRow(_ a: Int, _ r0: SIMD8<Float>, _ r1: SIMD8<Float>, _ r2: SIMD8<Float>) {
                        let row = kernelTransform4(r0, r1, r2)
                        store(row.0, 6 * a)
                        store(row.1, 6 * a + 1)
                        store(row.2, 6 * a + 2)
                        store(row.3, 6 * a + 3)
                        store(row.4, 6 * a + 4)
                        store(row.5, 6 * a + 5)
                    }
                    storeRow(0, t0.0, t1.0, t2.0)
                    storeRow(1, t0.1, t1.1, t2.1)
                    storeRow(2, t0.2, t1.2, t2.2)
                    storeRow(3, t0.3, t1.3, t2.3)
                    storeRow(4, t0.4, t1.4, t2.4)
                    storeRow(5, t0.5, t1.5, t2.5)
                    continue
                }
                // Column j of t = G w (4×3), then U = t Gᵀ: row a of U from row a of t.
                @inline(__always) func tColumn(_ j: Int) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
                    let w0 = tap(0, j), w1 = tap(1, j), w2 = tap(2, j)
                    return (w0, 0.5 * (w0 + w1 + w2), 0.5 * (w0 - w1 + w2), w2)
                }
                let t0 = tColumn(0), t1 = tColumn(1), t2 = tColumn(2)
                @inline(__always) func storeRow(_ a: Int, _ r0: SIMD8<Float>, _ r1: SIMD8<Float>, _ r2: SIMD8<Float>) {
                    store(r0, 4 * a)
                    store(0.5 * (r0 + r1 + r2), 4 * a + 1)
                    store(0.5 * (r0 - r1 + r2), 4 * a + 2)
                    store(r2, 4 * a + 3)
                }
                storeRow(0, t0.0, t1.0, t2.0)
                storeRow(1, t0.1, t1.1, t2.1)
                storeRow(2, t0.2, t1.2, t2.2)
                storeRow(3, t0.3, t1.3, t2.3)
            }
        }
    }
}

/// The blocks of the Winograd forward, taken by whichever thread is free: V of the block's tiles
/// from the input, the products M_ξ = U_ξ · V_ξ (one per position ξ), and the block's output rows
/// from M (the same arithmetic on any thread).
private struct WinogradForwardBlocks: ItemWork {
    let g: Conv2dGeometry
    /// U (positions, O, C).
    let input: UnsafePointer<Float>, transformedWeight: UnsafePointer<Float>, bias: UnsafePointer<Float>?
    let output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>

    func run(item index: Int, part: Int) {
        let c = g.inputChannels, o = g.outputChannels
        let block = BlockScratch(g, at: scratch + part * g.winogradThreadScratchCount), capacity = block.capacity
        let tiles = TileBlock(g, index)
        transformInputs(g, input, tiles, channels: 0..<c, into: block)
        for xi in 0..<g.winogradPositions {
            serialMatrixMultiply(m: o, n: sgemmColumns(tiles.columns), k: c,
                                 transformedWeight + xi * o * c,
                                 block.v + xi * block.inputPlaneStride, leadingB: capacity,
                                 into: block.m + xi * block.outputPlaneStride,
                                 leadingC: capacity)
        }
        for (image, pairedImage, column) in tiles.groups {
            let y = output + image * o * g.columnColumns, pairedY = pairedImage.map { output + $0 * o * g.columnColumns }
            for channel in 0..<o {
                let m = block.m + channel * capacity + column, bias = bias?[channel] ?? 0
                let plane = y + channel * g.columnColumns, stride = block.outputPlaneStride
                if g.winogradTile == 4 {
                    transformOutput4(g, m, planeStride: stride, firstTileRow: tiles.firstRow, tileRows: tiles.rows,
                                     bias: bias, into: plane, pairedInto: pairedY.map { $0 + channel * g.columnColumns },
                                     partial: block.horizontal)
                } else {
                    transformOutput(g, m, planeStride: stride, firstTileRow: tiles.firstRow, tileRows: tiles.rows,
                                    bias: bias, into: plane)
                }
            }
        }
    }
}

/// One thread's block scratch (`winogradThreadScratchCount` floats): V (positions, C, capacity),
/// M or ∂M (positions, O, capacity), the horizontal transforms of the block's input rows and one
/// padded row.
private struct BlockScratch {
    let v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>
    let horizontal: UnsafeMutablePointer<Float>, row: UnsafeMutablePointer<Float>
    /// Columns of a row of V_ξ or M_ξ, and the floats from one plane to the next.
    let capacity: Int, inputPlaneStride: Int, outputPlaneStride: Int

    init(_ g: Conv2dGeometry, at base: UnsafeMutablePointer<Float>) {
        v = base
        m = v + g.winogradPositions * g.winogradInputPlaneStride
        horizontal = m + g.winogradPositions * g.winogradOutputPlaneStride
        row = horizontal + g.winogradHorizontalFloats(tileRows: g.winogradBlockRows)
        (capacity, inputPlaneStride, outputPlaneStride) =
            (g.winogradBlockCapacity, g.winogradInputPlaneStride, g.winogradOutputPlaneStride)
    }

    /// A whole image group's V and M at `base` (`winogradWholeGroupFloats`), with one thread's
    /// row buffers at `buffers` (`winogradRowBufferFloats(tileRows: winogradTileRows)`).
    init(wholeGroupOf g: Conv2dGeometry, at base: UnsafeMutablePointer<Float>, buffers: UnsafeMutablePointer<Float>) {
        capacity = g.winogradGroupCapacity
        (inputPlaneStride, outputPlaneStride) = (g.inputChannels * capacity + 16, g.outputChannels * capacity + 16)
        v = base
        m = v + g.winogradPositions * inputPlaneStride
        horizontal = buffers
        row = horizontal + g.winogradHorizontalFloats(tileRows: g.winogradTileRows)
    }
}

/// Block `index` of the batch: tile rows `firstRow ..< firstRow + rows` of image groups
/// `group ..< group + groupCount` (several whole groups, or part of one; `winogradImagesPerRow`).
private struct TileBlock {
    let group: Int, groupCount: Int, firstRow: Int, rows: Int
    /// Columns of V and M per group: the block's tile rows at `winogradRowStride`.
    let groupColumns: Int
    let batch: Int, imagesPerRow: Int

    init(_ g: Conv2dGeometry, _ index: Int) {
        if g.winogradBlocksPerGroup == 1 {
            group = index * g.winogradGroupsPerBlock
            groupCount = min(g.winogradGroupsPerBlock, g.winogradImageGroups - group)
            (firstRow, rows) = (0, g.winogradTileRows)
        } else {
            group = index / g.winogradBlocksPerGroup
            groupCount = 1
            firstRow = index % g.winogradBlocksPerGroup * g.winogradBlockRows
            rows = min(g.winogradBlockRows, g.winogradTileRows - firstRow)
        }
        groupColumns = rows * g.winogradRowStride
        (batch, imagesPerRow) = (g.batch, g.winogradImagesPerRow)
    }

    /// Every tile row of image group `group`.
    init(_ g: Conv2dGeometry, wholeGroup group: Int) {
        (self.group, groupCount, firstRow, rows) = (group, 1, 0, g.winogradTileRows)
        groupColumns = rows * g.winogradRowStride
        (batch, imagesPerRow) = (g.batch, g.winogradImagesPerRow)
    }

    /// Columns of V and M the block's tiles take.
    var columns: Int { groupCount * groupColumns }

    /// Each group of the block: its image, the image in lanes 4–7 of its rows if it pairs two
    /// (nil for one image, or for the last of an odd batch), and the column its tiles start at
    /// in V and M.
    var groups: some Sequence<(image: Int, pairedImage: Int?, column: Int)> {
        (0..<groupCount).lazy.map { [group, groupColumns, batch, imagesPerRow] in
            let image = (group + $0) * imagesPerRow
            return (image, imagesPerRow > 1 && image + 1 < batch ? image + 1 : nil, $0 * groupColumns)
        }
    }
}

/// V of input `channels` of a block into `block.v`.
@inline(__always)
private func transformInputs(_ g: Conv2dGeometry, _ input: UnsafePointer<Float>, _ tiles: TileBlock,
                             channels: Range<Int>, into block: BlockScratch) {
    let c = g.inputChannels, plane = g.storedHeight * g.storedWidth, capacity = block.capacity
    for channel in channels {
        for (image, pairedImage, column) in tiles.groups {
            let source = input + (image * c + channel) * plane, v = block.v + channel * capacity + column
            if g.winogradTile == 4 {
                transformInput4(g, plane: source, pairedPlane: pairedImage.map { input + ($0 * c + channel) * plane },
                                firstTileRow: tiles.firstRow, tileRows: tiles.rows, into: v,
                                planeStride: block.inputPlaneStride, horizontal: block.horizontal, row: block.row)
            } else {
                transformInput(g, plane: source, firstTileRow: tiles.firstRow, tileRows: tiles.rows, into: v,
                               planeStride: block.inputPlaneStride, horizontal: block.horizontal, row: block.row)
            }
        }
    }
}

/// The first `count` (≤ 16) lanes of `value` to `p`.
@inline(__always) private func storePrefix(_ value: SIMD16<Float>, of count: Int, _ p: UnsafeMutablePointer<Float>) {
    if count == 16 {
        UnsafeMutableRawPointer(p).storeBytes(of: value, as: SIMD16<Float>.self)
    } else {
        for lane in 0..<count { p[lane] = value[lane] }
    }
}

/// Eight floats from `p`, which need not be aligned (also the one-channel convs' kernels).
@inline(__always) func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) func store8(_ value: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: value, as: SIMD8<Float>.self)
}

/// V_ξ[t] = (Bᵀ d_t B)[ξ] for the tiles t of `tileRows` tile rows from `firstTileRow`, d_t the
/// 4×4 patch of the padded (and upsampled) plane under tile t; V_ξ at `v + ξ·planeStride`,
/// tile row r at offset r·`winogradRowStride`. Each padded input row is transformed
/// horizontally once into `horizontal` (4 values per tile), then each tile row combines its four
/// rows vertically. Eight tiles at a time; the columns past the last tile get finite values.
@inline(__always)
private func transformInput(_ g: Conv2dGeometry, plane: UnsafePointer<Float>, firstTileRow: Int, tileRows: Int,
                            into v: UnsafeMutablePointer<Float>, planeStride: Int,
                            horizontal: UnsafeMutablePointer<Float>, row: UnsafeMutablePointer<Float>) {
    let stride = g.winogradRowStride, p = g.padding.amount, h = g.height
    let up = g.upsamplesInput ? 1 : 0
    let reflecting = g.padding.reflects
    for r in 0 ..< 2 * tileRows + 2 {
        // Padded row 2·firstTileRow + r is input row iy.
        var iy = 2 * firstTileRow + r - p
        let h0 = horizontal + r * 4 * stride
        let h1 = h0 + stride, h2 = h1 + stride, h3 = h2 + stride
        if iy < 0 || iy >= h {
            if !reflecting || iy < -p || iy >= h + p {
                h0.update(repeating: 0, count: 4 * stride)
                continue
            }
            iy = reflect(iy, h)
        }
        readPaddedRow(g, row: plane + (iy >> up) * g.storedWidth, into: row, reflecting: reflecting)
        // Tile t reads padded columns 2t ..< 2t + 4: the even and odd lanes of two 16-float loads.
        let source = UnsafeRawPointer(row)
        for t in Swift.stride(from: 0, to: stride, by: 8) {
            let first = source.loadUnaligned(fromByteOffset: 8 * t, as: SIMD16<Float>.self)
            let second = source.loadUnaligned(fromByteOffset: 8 * t + 8, as: SIMD16<Float>.self)
            let e0 = first.evenHalf, o0 = first.oddHalf, e1 = second.evenHalf, o1 = second.oddHalf
            store8(e0 - e1, h0 + t)
            store8(o0 + e1, h1 + t)
            store8(e1 - o0, h2 + t)
            store8(o0 - o1, h3 + t)
        }
    }
    for tileRow in 0..<tileRows {
        let r0 = horizontal + 2 * tileRow * 4 * stride
        let r1 = r0 + 4 * stride, r2 = r1 + 4 * stride, r3 = r2 + 4 * stride
        for j in 0..<4 {
            let v0 = v + j * planeStride + tileRow * stride, v1 = v0 + 4 * planeStride
            let v2 = v1 + 4 * planeStride, v3 = v2 + 4 * planeStride
            for t in Swift.stride(from: j * stride, to: (j + 1) * stride, by: 8) {
                let a0 = load8(r0 + t), a1 = load8(r1 + t), a2 = load8(r2 + t), a3 = load8(r3 + t)
                let column = t - j * stride
                store8(a0 - a2, v0 + column)
                store8(a1 + a2, v1 + column)
                store8(a2 - a1, v2 + column)
                store8(a1 - a3, v3 + column)
            }
        }
    }
}

/// The padded (and upsampled) input row: `padded[q]` = column q − p for q in
/// 0 ..< tile·`winogradRowStride` + tile, mirrored or zero past the edges and zero past the
/// padded width.
@inline(__always)
private func readPaddedRow(_ g: Conv2dGeometry, row: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>,
                           reflecting: Bool) {
    let p = g.padding.amount, w = g.width, count = g.winogradTile * (g.winogradRowStride + 1), up = g.upsamplesInput ? 1 : 0
    @inline(__always) func value(_ x: Int) -> Float {
        if x >= 0 && x < w { return row[x >> up] }
        if reflecting && x >= -p && x < w + p { return row[reflect(x, w) >> up] }
        return 0
    }
    // count ≥ Wo + 2 = w + 2p: the whole row fits.
    let low = p, high = p + w
    for q in 0..<low { padded[q] = value(q - p) }
    if g.upsamplesInput {
        // Each stored pixel twice, eight stored pixels at a time (w is even).
        var x = 0
        while 2 * x + 16 <= w {
            var pairs = SIMD16<Float>()
            pairs.evenHalf = load8(row + x)
            pairs.oddHalf = pairs.evenHalf
            UnsafeMutableRawPointer(padded + p + 2 * x).storeBytes(of: pairs, as: SIMD16<Float>.self)
            x += 8
        }
        for q in p + 2 * x ..< high { padded[q] = row[(q - p) >> 1] }
    } else {
        (padded + low).update(from: row + (low - p), count: high - low)
    }
    for q in high..<count { padded[q] = value(q - p) }
}

/// Output rows of `tileRows` tile rows from `firstTileRow` of one output channel from its
/// M_ξ (at `m + ξ·planeStride`): y = Aᵀ M A + bias, dropping what overhangs (Ho, Wo). Eight
/// tiles (16 output columns) at a time.
@inline(__always)
private func transformOutput(_ g: Conv2dGeometry, _ m: UnsafePointer<Float>, planeStride: Int, firstTileRow: Int,
                             tileRows: Int, bias: Float, into y: UnsafeMutablePointer<Float>) {
    let stride = g.winogradRowStride, wo = g.outputWidth, ho = g.outputHeight
    for tileRow in 0..<tileRows {
        let oy = 2 * (firstTileRow + tileRow)
        let top = y + oy * wo, bottom = top + wo
        let hasBottom = oy + 1 < ho
        let row = m + tileRow * stride
        for t in Swift.stride(from: 0, to: stride, by: 8) {
            // Aᵀ M (2×4 per tile), then (Aᵀ M) A.
            @inline(__always) func at(_ xi: Int) -> SIMD8<Float> { load8(row + xi * planeStride + t) }
            let s0 = at(0) + at(4) + at(8), d0 = at(4) - at(8) - at(12)
            let s1 = at(1) + at(5) + at(9), d1 = at(5) - at(9) - at(13)
            let s2 = at(2) + at(6) + at(10), d2 = at(6) - at(10) - at(14)
            let s3 = at(3) + at(7) + at(11), d3 = at(7) - at(11) - at(15)
            // Output row 0 of the tiles in `upper`, row 1 in `lower`; even and odd columns interleaved.
            var upper = SIMD16<Float>(), lower = SIMD16<Float>()
            upper.evenHalf = s0 + s1 + s2 + bias
            upper.oddHalf = s1 - s2 - s3 + bias
            lower.evenHalf = d0 + d1 + d2 + bias
            lower.oddHalf = d1 - d2 - d3 + bias
            let x = 2 * t
            if x + 16 <= wo {
                UnsafeMutableRawPointer(top + x).storeBytes(of: upper, as: SIMD16<Float>.self)
                if hasBottom { UnsafeMutableRawPointer(bottom + x).storeBytes(of: lower, as: SIMD16<Float>.self) }
            } else {
                for lane in 0..<max(0, min(16, wo - x)) {
                    top[x + lane] = upper[lane]
                    if hasBottom { bottom[x + lane] = lower[lane] }
                }
            }
        }
    }
}

// F(4×4, 3×3): each 4×4 output tile from the 6×6 input patch under it, 36 products per 16
// outputs instead of F(2×2)'s 16 per 4, 1.78× fewer multiply-adds (Lavin & Gray's points
// 0, ±1, ±2):
//
//     Bᵀ = [4  0 −5  0  1  0]     G = [ 1/4     0     0  ]     Aᵀ = [1 1  1 1  1 0]
//          [0 −4 −4  1  1  0]         [−1/6  −1/6  −1/6 ]          [0 1 −1 2 −2 0]
//          [0  4 −4 −1  1  0]         [−1/6   1/6  −1/6 ]          [0 1  1 4  4 0]
//          [0 −2 −1  2  1  0]         [ 1/24  1/12  1/6 ]          [0 1 −1 8 −8 1]
//          [0  2 −1 −2  1  0]         [ 1/24 −1/12  1/6 ]
//          [0  4  0 −5  0  1]         [ 0     0     1  ]
//
// G's sixths and the transforms' larger coefficients cost precision: against a Double reference,
// a 64-channel conv's output has a relative RMS error of 1.8·10⁻⁶ (F(2×2): 2.8·10⁻⁷; NumPy in
// float32, normal data), about 2·10⁻⁵ of the output's RMS at worst. The SPARNet and
// discriminator parity tests pass unchanged; VGG19 stays on F(2×2) (`VGG19.swift`). The weight
// gradient is the adjoint as for F(2×2): ∂M = A ∂Y Aᵀ, ∂w = Gᵀ ∂U G.

/// G applied to three taps (a kernel column, then a row of G w): the six rows of G (w0, w1, w2)ᵀ.
@inline(__always)
private func kernelTransform4(_ w0: SIMD8<Float>, _ w1: SIMD8<Float>, _ w2: SIMD8<Float>)
    -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let even = w0 + w2, quarterSum = 0.25 * w0 + w2
    return (0.25 * w0, (-1.0 / 6) * (even + w1), (-1.0 / 6) * (even - w1),
            (1.0 / 6) * (quarterSum + 0.5 * w1), (1.0 / 6) * (quarterSum - 0.5 * w1), w2)
}

/// Six vectors of eight tiles: a transformed row or column of each tile's 6×6 patch.
private typealias Transformed4 = (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)

/// Bᵀ d along the rows of tiles t ..< t + 8 of a padded input row: tile t reads padded columns
/// 4t ..< 4t + 6, columns 0–3 of the 32 floats from 4t and columns 0–1 of those from 4t + 4.
@inline(__always)
private func horizontalTransform4(_ row: UnsafePointer<Float>, _ t: Int) -> Transformed4 {
    let source = UnsafeRawPointer(row)
    @inline(__always) func sixteen(_ offset: Int) -> SIMD16<Float> {
        source.loadUnaligned(fromByteOffset: 4 * offset, as: SIMD16<Float>.self)
    }
    let d = tileColumns(sixteen(4 * t), sixteen(4 * t + 16))
    let next = tileColumns(sixteen(4 * t + 4), sixteen(4 * t + 20))
    return inputTransform4(d.0, d.1, d.2, d.3, next.0, next.1)
}

/// Bᵀ d for six values along a row or column of a 6×6 patch.
@inline(__always)
private func inputTransform4(_ d0: SIMD8<Float>, _ d1: SIMD8<Float>, _ d2: SIMD8<Float>, _ d3: SIMD8<Float>,
                             _ d4: SIMD8<Float>, _ d5: SIMD8<Float>)
    -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let a = d4 - 4 * d2, b = d3 - 4 * d1, c = d4 - d2, e = 2 * (d3 - d1)
    return (4 * d0 - 5 * d2 + d4, a + b, a - b, c + e, c - e, 4 * d1 - 5 * d3 + d5)
}

/// Aᵀ m for six values along a row or column of a 6×6 transformed patch.
@inline(__always)
private func outputTransform4(_ m0: SIMD8<Float>, _ m1: SIMD8<Float>, _ m2: SIMD8<Float>, _ m3: SIMD8<Float>,
                              _ m4: SIMD8<Float>, _ m5: SIMD8<Float>)
    -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let sum12 = m1 + m2, difference12 = m1 - m2, sum34 = m3 + m4, difference34 = m3 - m4
    return (m0 + sum12 + sum34, difference12 + 2 * difference34, sum12 + 4 * sum34, difference12 + 8 * difference34 + m5)
}

/// The four columns of eight F(4×4) tiles in 32 consecutive floats (`low` the first 16): lane k of
/// column j is float 4k + j. (In 16-lane halves: LLVM turns SIMD32's evenHalf into stack traffic
/// and gathers.)
@inline(__always)
private func tileColumns(_ low: SIMD16<Float>, _ high: SIMD16<Float>)
    -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let even = SIMD16(lowHalf: low.evenHalf, highHalf: high.evenHalf)
    let odd = SIMD16(lowHalf: low.oddHalf, highHalf: high.oddHalf)
    return (even.evenHalf, odd.evenHalf, even.oddHalf, odd.oddHalf)
}

/// V_ξ[t] = (Bᵀ d_t B)[ξ], ξ = 6a + b, for the F(4×4) tiles of `tileRows` tile rows from
/// `firstTileRow`, as `transformInput`: each padded input row transformed horizontally once
/// (6 values per tile), then each tile row combining its six rows vertically. With two images a
/// row (`winogradImagesPerRow`), `pairedPlane`'s tiles take lanes 4–7 (zeros without one).
@inline(__always)
private func transformInput4(_ g: Conv2dGeometry, plane: UnsafePointer<Float>, pairedPlane: UnsafePointer<Float>?,
                             firstTileRow: Int, tileRows: Int, into v: UnsafeMutablePointer<Float>, planeStride: Int,
                             horizontal: UnsafeMutablePointer<Float>, row: UnsafeMutablePointer<Float>) {
    let stride = g.winogradRowStride, p = g.padding.amount, h = g.height
    let up = g.upsamplesInput ? 1 : 0
    let reflecting = g.padding.reflects, pairs = g.winogradImagesPerRow > 1
    for r in 0 ..< 4 * tileRows + 2 {
        // Padded row 4·firstTileRow + r is input row iy.
        var iy = 4 * firstTileRow + r - p
        let h0 = horizontal + r * 6 * stride
        if iy < 0 || iy >= h {
            if !reflecting || iy < -p || iy >= h + p {
                h0.update(repeating: 0, count: 6 * stride)
                continue
            }
            iy = reflect(iy, h)
        }
        @inline(__always) func store(_ row: Transformed4, _ t: Int) {
            store8(row.0, h0 + t)
            store8(row.1, h0 + stride + t)
            store8(row.2, h0 + 2 * stride + t)
            store8(row.3, h0 + 3 * stride + t)
            store8(row.4, h0 + 4 * stride + t)
            store8(row.5, h0 + 5 * stride + t)
        }
        readPaddedRow(g, row: plane + (iy >> up) * g.storedWidth, into: row, reflecting: reflecting)
        guard pairs else {
            for t in Swift.stride(from: 0, to: stride, by: 8) { store(horizontalTransform4(row, t), t) }
            continue
        }
        // One row of 8 lanes (stride 8): this image's 4 tiles, then the paired image's. Their
        // padded rows overlap in the 4·8 + 2 floats the lanes read, so each is transformed apart.
        let first = horizontalTransform4(row, 0)
        var second: Transformed4 = (.zero, .zero, .zero, .zero, .zero, .zero)
        if let pairedPlane {
            readPaddedRow(g, row: pairedPlane + (iy >> up) * g.storedWidth, into: row, reflecting: reflecting)
            second = horizontalTransform4(row, 0)
        }
        @inline(__always) func joined(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
            SIMD8(lowHalf: a.lowHalf, highHalf: b.lowHalf)
        }
        store((joined(first.0, second.0), joined(first.1, second.1), joined(first.2, second.2),
               joined(first.3, second.3), joined(first.4, second.4), joined(first.5, second.5)), 0)
    }
    for tileRow in 0..<tileRows {
        let r0 = horizontal + 4 * tileRow * 6 * stride
        for j in 0..<6 {
            let target = v + j * planeStride + tileRow * stride
            for t in Swift.stride(from: j * stride, to: (j + 1) * stride, by: 8) {
                @inline(__always) func at(_ k: Int) -> SIMD8<Float> { load8(r0 + k * 6 * stride + t) }
                let column = inputTransform4(at(0), at(1), at(2), at(3), at(4), at(5))
                let x = target + (t - j * stride)
                store8(column.0, x)
                store8(column.1, x + 6 * planeStride)
                store8(column.2, x + 12 * planeStride)
                store8(column.3, x + 18 * planeStride)
                store8(column.4, x + 24 * planeStride)
                store8(column.5, x + 30 * planeStride)
            }
        }
    }
}

/// Output rows of `tileRows` F(4×4) tile rows from `firstTileRow` of one output channel from its
/// M_ξ (at `m + ξ·planeStride`, ξ = 6a + b): y = Aᵀ M A + bias, dropping what overhangs (Ho, Wo).
/// In two passes over a tile row, eight tiles (32 output columns) at a time: Aᵀ M column b at a
/// time into `partial` ((6, 4) rows of `winogradRowStride` floats, in L1), then each output row
/// from its six partial columns. (In one pass, the 36 planes' pointers did not fit the
/// registers; their reloads and spills took 1.3× this one's time.) With two images a row
/// (`winogradImagesPerRow`), lanes 4–7 are `pairedY`'s tiles.
@inline(__always)
private func transformOutput4(_ g: Conv2dGeometry, _ m: UnsafePointer<Float>, planeStride: Int, firstTileRow: Int,
                              tileRows: Int, bias: Float, into y: UnsafeMutablePointer<Float>,
                              pairedInto pairedY: UnsafeMutablePointer<Float>?, partial: UnsafeMutablePointer<Float>) {
    let stride = g.winogradRowStride, wo = g.outputWidth, ho = g.outputHeight, step = 6 * planeStride
    for tileRow in 0..<tileRows {
        let oy = 4 * (firstTileRow + tileRow)
        for b in 0..<6 {
            let source = m + b * planeStride + tileRow * stride, target = partial + 4 * b * stride
            for t in Swift.stride(from: 0, to: stride, by: 8) {
                let p = source + t
                let column = outputTransform4(load8(p), load8(p + step), load8(p + 2 * step), load8(p + 3 * step),
                                              load8(p + 4 * step), load8(p + 5 * step))
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
                let r = outputTransform4(load8(p), load8(p + step), load8(p + 2 * step), load8(p + 3 * step),
                                         load8(p + 4 * step), load8(p + 5 * step))
                let y0 = r.0 + bias, y1 = r.1 + bias, y2 = r.2 + bias, y3 = r.3 + bias
                if g.winogradImagesPerRow > 1 {
                    // wo ≤ 16: each image's row is one half.
                    let (low, high) = interleavedTileColumns(y0, y1, y2, y3)
                    storePrefix(low, of: wo, output)
                    if let pairedY { storePrefix(high, of: wo, pairedY + (oy + i) * wo) }
                } else {
                    storeTileRows(y0, y1, y2, y3, into: output, from: 4 * t, width: wo)
                }
            }
        }
    }
}

/// Row i of eight 4-wide tiles' output gradient, the 32 columns of `row` from x (zero at
/// `width` and past), split into the tiles' four columns (lane k: tile k).
@inline(__always)
func tileRowColumns(_ row: UnsafePointer<Float>, from x: Int, width: Int)
    -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    var a = SIMD16<Float>(), b = SIMD16<Float>()
    if x + 32 <= width {
        a = UnsafeRawPointer(row + x).loadUnaligned(as: SIMD16<Float>.self)
        b = UnsafeRawPointer(row + x + 16).loadUnaligned(as: SIMD16<Float>.self)
    } else {
        for lane in 0..<max(0, min(16, width - x)) { a[lane] = row[x + lane] }
        for lane in 0..<max(0, min(16, width - x - 16)) { b[lane] = row[x + 16 + lane] }
    }
    return tileColumns(a, b)
}

/// One output row of eight 4-wide tiles (column j of tile k in lane k of `yj`) as 32 floats:
/// lane 4k + j of the pair is tile k's column j.
@inline(__always)
private func interleavedTileColumns(_ y0: SIMD8<Float>, _ y1: SIMD8<Float>, _ y2: SIMD8<Float>, _ y3: SIMD8<Float>)
    -> (low: SIMD16<Float>, high: SIMD16<Float>) {
    (SIMD16(y0[0], y1[0], y2[0], y3[0], y0[1], y1[1], y2[1], y3[1], y0[2], y1[2], y2[2], y3[2], y0[3], y1[3], y2[3], y3[3]),
     SIMD16(y0[4], y1[4], y2[4], y3[4], y0[5], y1[5], y2[5], y3[5], y0[6], y1[6], y2[6], y3[6], y0[7], y1[7], y2[7], y3[7]))
}

/// The 32 output columns of eight 4-wide tiles (`interleavedTileColumns`) to `output` from
/// column x, dropping those at `width` and past.
@inline(__always)
func storeTileRows(_ y0: SIMD8<Float>, _ y1: SIMD8<Float>, _ y2: SIMD8<Float>, _ y3: SIMD8<Float>,
                   into output: UnsafeMutablePointer<Float>, from x: Int, width: Int) {
    let (low, high) = interleavedTileColumns(y0, y1, y2, y3)
    if x + 32 <= width {
        UnsafeMutableRawPointer(output + x).storeBytes(of: low, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(output + x).storeBytes(of: high, toByteOffset: 64, as: SIMD16<Float>.self)
    } else {
        for lane in 0..<max(0, min(16, width - x)) { output[x + lane] = low[lane] }
        for lane in 0..<max(0, min(16, width - x - 16)) { output[x + 16 + lane] = high[lane] }
    }
}

/// The weight gradient of a 3×3 stride-1 convolution (`g.usesWinograd`), the adjoint of the
/// Winograd forward: per block, ∂M = A ∂Y Aᵀ from the output gradient and V from the input, then
/// ∂U_ξ += ∂M_ξ (O, tiles) · V_ξᵀ (tiles, C), products as deep as the block has tiles. Each
/// thread sums its blocks into its own ∂U; the sums are added in thread order and
/// ∂w = Gᵀ ∂U G is added onto the weight gradient. Accumulates (`+=`) into `weightGradient`.
///
/// input (N, C, H, W), or (N, C, H/2, W/2) with `upsamplesInput`  outputGradient (N, O, Ho, Wo)
/// weightGradient (O, C, 3, 3)  scratch: `g.winogradWeightGradientScratchCount` floats.
func winogradWeightGradient(_ g: Conv2dGeometry, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                            weightGradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
    let g = g.weightGradientGeometry
    let work = g.batch * g.columnColumns * (g.inputChannels + g.outputChannels)
    let pairs = g.outputChannels * g.inputChannels
    let positions = g.winogradPositions
    var parts = 1, stride = 0
    if g.winogradWeightGradientSplitsPositions {
        let block = scratch + positions * pairs, buffers = block + g.winogradWholeGroupFloats
        let whole = BlockScratch(wholeGroupOf: g, at: block, buffers: buffers)
        for group in 0..<g.winogradImageGroups {
            let tiles = TileBlock(g, wholeGroup: group)
            forEachPart(work: work / g.winogradImageGroups, maximumParts: g.threads,
                        WinogradWholeGroupTransforms(g: g, input: input, outputGradient: outputGradient, tiles: tiles,
                                                     block: block, buffers: buffers))
            forEachRange(positions, work: work / g.winogradImageGroups * g.outputChannels,
                         WinogradWholeGroupProducts(g: g, tiles: tiles, group: whole, sum: scratch,
                                                    beta: group == 0 ? 0 : 1))
        }
    } else {
        parts = partCount(work: work, maximumParts: min(g.threads, g.winogradBlockCount))
        stride = positions * pairs + g.winogradThreadScratchCount
        forEachPart(work: work, maximumParts: parts,
                    WinogradWeightGradientBlocks(g: g, input: input, outputGradient: outputGradient, scratch: scratch))
    }
    if g.winogradTile == 4 {
        forEachRange(pairs, work: positions * pairs * parts,
                     WinogradWeightGradientSum4(pairs: pairs, parts: parts, stride: stride, sums: scratch,
                                                weightGradient: weightGradient))
    } else {
        forEachRange(pairs, work: positions * pairs * parts,
                     WinogradWeightGradientSum(pairs: pairs, parts: parts, stride: stride, sums: scratch,
                                               weightGradient: weightGradient))
    }
}

/// One thread's blocks of the weight gradient, summed into its ∂U (positions, O, C) at the start of
/// its scratch.
private struct WinogradWeightGradientBlocks: ParallelWork {
    let g: Conv2dGeometry
    let input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>
    let scratch: UnsafeMutablePointer<Float>

    func run(part: Int, of parts: Int) {
        let c = g.inputChannels, o = g.outputChannels
        let positions = g.winogradPositions
        let sum = scratch + part * (positions * o * c + g.winogradThreadScratchCount)
        let block = BlockScratch(g, at: sum + positions * o * c)
        sum.update(repeating: 0, count: positions * o * c)
        let blocks = g.winogradBlockCount
        for index in blocks * part / parts ..< blocks * (part + 1) / parts {
            let tiles = TileBlock(g, index)
            transformInputs(g, input, tiles, channels: 0..<c, into: block)
            transformOutputGradients(g, outputGradient, tiles, channels: 0..<o, into: block)
            for xi in 0..<positions {
                serialMatrixMultiply(m: o, n: c, k: tiles.columns, block.m + xi * block.outputPlaneStride,
                                     leadingA: block.capacity, block.v + xi * block.inputPlaneStride, transposeB: true,
                                     leadingB: block.capacity, into: sum + xi * o * c, beta: 1)
            }
        }
    }
}

/// ∂M of output `channels` of a block into `block.m` (one image a row: `weightGradientGeometry`).
@inline(__always)
private func transformOutputGradients(_ g: Conv2dGeometry, _ outputGradient: UnsafePointer<Float>, _ tiles: TileBlock,
                                      channels: Range<Int>, into block: BlockScratch) {
    let o = g.outputChannels
    for (image, _, column) in tiles.groups {
        let dy = outputGradient + image * o * g.columnColumns
        for channel in channels {
            let source = dy + channel * g.columnColumns, target = block.m + channel * block.capacity + column
            if g.winogradTile == 4 {
                transformOutputGradient4(g, source, firstTileRow: tiles.firstRow, tileRows: tiles.rows,
                                         into: target, planeStride: block.outputPlaneStride, partial: block.horizontal)
            } else {
                transformOutputGradient(g, source, firstTileRow: tiles.firstRow, tileRows: tiles.rows,
                                        into: target, planeStride: block.outputPlaneStride)
            }
        }
    }
}

/// V and ∂M of a whole image group (`winogradWeightGradientSplitsPositions`), the C + O channels
/// split over the threads, each with its own row buffers.
private struct WinogradWholeGroupTransforms: ParallelWork {
    let g: Conv2dGeometry
    let input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>
    let tiles: TileBlock
    /// The group's V and ∂M, and each thread's row buffers (`winogradRowBufferFloats`).
    let block: UnsafeMutablePointer<Float>, buffers: UnsafeMutablePointer<Float>

    func run(part: Int, of parts: Int) {
        let c = g.inputChannels, channels = c + g.outputChannels
        let own = buffers + part * g.winogradRowBufferFloats(tileRows: g.winogradTileRows)
        let group = BlockScratch(wholeGroupOf: g, at: block, buffers: own)
        let range = channels * part / parts ..< channels * (part + 1) / parts
        transformInputs(g, input, tiles, channels: range.clamped(to: 0..<c), into: group)
        let outputs = range.clamped(to: c..<channels)
        transformOutputGradients(g, outputGradient, tiles, channels: outputs.lowerBound - c ..< outputs.upperBound - c,
                                 into: group)
    }
}

/// ∂U_ξ (=, or += with `beta` 1) ∂M_ξ · V_ξᵀ for a range of positions ξ of a whole image group.
private struct WinogradWholeGroupProducts: RangeWork {
    let g: Conv2dGeometry
    let tiles: TileBlock
    /// The group's V and ∂M (its row buffers unused).
    let group: BlockScratch
    let sum: UnsafeMutablePointer<Float>, beta: Float

    func run(_ positions: Range<Int>) {
        let c = g.inputChannels, o = g.outputChannels
        for xi in positions {
            serialMatrixMultiply(m: o, n: c, k: tiles.columns, group.m + xi * group.outputPlaneStride,
                                 leadingA: group.capacity, group.v + xi * group.inputPlaneStride, transposeB: true,
                                 leadingB: group.capacity, into: sum + xi * o * c, beta: beta)
        }
    }
}

/// ∂w[o][c] += Gᵀ (Σ_parts ∂U[o][c]) G for a range of (o, c) pairs.
private struct WinogradWeightGradientSum: RangeWork {
    let pairs: Int, parts: Int
    /// Floats from one part's ∂U (16, O, C) to the next.
    let stride: Int
    let sums: UnsafePointer<Float>, weightGradient: UnsafeMutablePointer<Float>

    func run(_ range: Range<Int>) {
        for first in Swift.stride(from: range.lowerBound, to: range.upperBound, by: 8) {
            let lanes = min(8, range.upperBound - first)
            @inline(__always) func u(_ xi: Int) -> SIMD8<Float> {
                summedWeightGradient(sums, parts: parts, stride: stride, pairs: pairs, position: xi, first: first,
                                     lanes: lanes)
            }
            /// Gᵀ applied to four values along a column or row of ∂U (F(2×2)).
            @inline(__always) func transform(_ d0: SIMD8<Float>, _ d1: SIMD8<Float>, _ d2: SIMD8<Float>,
                                             _ d3: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
                (d0 + 0.5 * (d1 + d2), 0.5 * (d1 - d2), 0.5 * (d1 + d2) + d3)
            }
            // Column b of t = Gᵀ ∂U (3×4) from column b of ∂U, then row i of ∂w = t G from row i of t.
            let t0 = transform(u(0), u(4), u(8), u(12)), t1 = transform(u(1), u(5), u(9), u(13))
            let t2 = transform(u(2), u(6), u(10), u(14)), t3 = transform(u(3), u(7), u(11), u(15))
            addWeightGradientRow(transform(t0.0, t1.0, t2.0, t3.0), 0, to: weightGradient, first: first, lanes: lanes)
            addWeightGradientRow(transform(t0.1, t1.1, t2.1, t3.1), 1, to: weightGradient, first: first, lanes: lanes)
            addWeightGradientRow(transform(t0.2, t1.2, t2.2, t3.2), 2, to: weightGradient, first: first, lanes: lanes)
        }
    }
}

/// ∂U_ξ of the (o, c) pairs `first ..< first + lanes` (≤ 8), lane k pair first + k, summed over
/// the parts' sums (`stride` floats apart, each (positions, pairs)).
@inline(__always)
func summedWeightGradient(_ sums: UnsafePointer<Float>, parts: Int, stride: Int, pairs: Int, position xi: Int,
                          first: Int, lanes: Int) -> SIMD8<Float> {
    var value = SIMD8<Float>()
    for part in 0..<parts {
        let p = sums + part * stride + xi * pairs + first
        if lanes == 8 {
            value += load8(p)
        } else {
            for k in 0..<lanes { value[k] += p[k] }
        }
    }
    return value
}

/// Adds row i of the 3×3 kernel gradients of pairs `first ..< first + lanes` (lane k: pair
/// first + k, column j in `row.j`) onto `weightGradient` (pairs, 3, 3).
@inline(__always)
func addWeightGradientRow(_ row: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>), _ i: Int,
                          to weightGradient: UnsafeMutablePointer<Float>, first: Int, lanes: Int) {
    for k in 0..<lanes {
        let dw = weightGradient + (first + k) * 9 + 3 * i
        dw[0] += row.0[k]
        dw[1] += row.1[k]
        dw[2] += row.2[k]
    }
}

/// ∂M_ξ[t] = (A ∂Y_t Aᵀ)[ξ] for the tiles of `tileRows` tile rows from `firstTileRow` of one
/// output channel, ∂Y_t its 2×2 output gradient (zero where the tile overhangs (Ho, Wo) and for
/// the columns past the last tile); ∂M_ξ at `dm + ξ·planeStride`, tile row r at offset
/// r·`winogradRowStride`. Eight tiles at a time.
@inline(__always)
private func transformOutputGradient(_ g: Conv2dGeometry, _ dy: UnsafePointer<Float>, firstTileRow: Int,
                                     tileRows: Int, into dm: UnsafeMutablePointer<Float>, planeStride: Int) {
    let stride = g.winogradRowStride, wo = g.outputWidth, ho = g.outputHeight
    for tileRow in 0..<tileRows {
        let oy = 2 * (firstTileRow + tileRow)
        let top = dy + oy * wo, bottom = top + wo
        let hasBottom = oy + 1 < ho
        let out = dm + tileRow * stride
        for t in Swift.stride(from: 0, to: stride, by: 8) {
            let x = 2 * t
            var upper = SIMD16<Float>(), lower = SIMD16<Float>()
            if x + 16 <= wo {
                upper = UnsafeRawPointer(top + x).loadUnaligned(as: SIMD16<Float>.self)
                if hasBottom { lower = UnsafeRawPointer(bottom + x).loadUnaligned(as: SIMD16<Float>.self) }
            } else {
                for lane in 0..<max(0, min(16, wo - x)) {
                    upper[lane] = top[x + lane]
                    if hasBottom { lower[lane] = bottom[x + lane] }
                }
            }
            // Rows of A ∂Y (4×2 per tile): columns 0 and 1 (even and odd output columns).
            let y00 = upper.evenHalf, y01 = upper.oddHalf, y10 = lower.evenHalf, y11 = lower.oddHalf
            let rows = ((y00, y01), (y00 + y10, y01 + y11), (y00 - y10, y01 - y11), (-y10, -y11))
            @inline(__always) func write(_ a: Int, _ r: (SIMD8<Float>, SIMD8<Float>)) {
                let base = out + 4 * a * planeStride + t
                store8(r.0, base)
                store8(r.0 + r.1, base + planeStride)
                store8(r.0 - r.1, base + 2 * planeStride)
                store8(-r.1, base + 3 * planeStride)
            }
            write(0, rows.0)
            write(1, rows.1)
            write(2, rows.2)
            write(3, rows.3)
        }
    }
}

/// ∂w[o][c] += Gᵀ (Σ_parts ∂U[o][c]) G for a range of (o, c) pairs, F(4×4, 3×3): ∂U is 6×6.
private struct WinogradWeightGradientSum4: RangeWork {
    let pairs: Int, parts: Int
    /// Floats from one part's ∂U (36, O, C) to the next.
    let stride: Int
    let sums: UnsafePointer<Float>, weightGradient: UnsafeMutablePointer<Float>

    func run(_ range: Range<Int>) {
        // Eight pairs at a time, one in each lane: each ∂U_ξ of eight pairs is one contiguous load.
        for first in Swift.stride(from: range.lowerBound, to: range.upperBound, by: 8) {
            let lanes = min(8, range.upperBound - first)
            @inline(__always) func u(_ xi: Int) -> SIMD8<Float> {
                summedWeightGradient(sums, parts: parts, stride: stride, pairs: pairs, position: xi, first: first,
                                     lanes: lanes)
            }
            // Column b of t = Gᵀ ∂U (3×6) from column b of ∂U, then row i of ∂w = t G from row i of t.
            @inline(__always) func column(_ b: Int) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
                kernelGradientTransform4(u(b), u(6 + b), u(12 + b), u(18 + b), u(24 + b), u(30 + b))
            }
            let t0 = column(0), t1 = column(1), t2 = column(2), t3 = column(3), t4 = column(4), t5 = column(5)
            addWeightGradientRow(kernelGradientTransform4(t0.0, t1.0, t2.0, t3.0, t4.0, t5.0), 0, to: weightGradient,
                                 first: first, lanes: lanes)
            addWeightGradientRow(kernelGradientTransform4(t0.1, t1.1, t2.1, t3.1, t4.1, t5.1), 1, to: weightGradient,
                                 first: first, lanes: lanes)
            addWeightGradientRow(kernelGradientTransform4(t0.2, t1.2, t2.2, t3.2, t4.2, t5.2), 2, to: weightGradient,
                                 first: first, lanes: lanes)
        }
    }
}

/// Gᵀ u for six values u along a row or column of ∂U (F(4×4)): the adjoint of `kernelTransform4`.
@inline(__always)
private func kernelGradientTransform4(_ u0: SIMD8<Float>, _ u1: SIMD8<Float>, _ u2: SIMD8<Float>, _ u3: SIMD8<Float>,
                                      _ u4: SIMD8<Float>, _ u5: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let outer = u1 + u2, inner = u3 + u4
    return (u0 * 0.25 - outer * (1.0 / 6) + inner * (1.0 / 24),
            (u2 - u1) * (1.0 / 6) + (u3 - u4) * (1.0 / 12),
            (inner - outer) * (1.0 / 6) + u5)
}

/// ∂M_ξ[t] = (A ∂Y_t Aᵀ)[ξ], ξ = 6a + b, for the F(4×4) tiles of `tileRows` tile rows from
/// `firstTileRow` of one output channel, as `transformOutputGradient`: ∂Y_t its 4×4 output
/// gradient, zero where the tile overhangs (Ho, Wo) and for the columns past the last tile.
/// In two passes over a tile row, eight tiles (32 output columns) at a time, as
/// `transformOutput4`: ∂Y Aᵀ row i at a time into `partial` ((4, 6) rows of
/// `winogradRowStride` floats), then A (∂Y Aᵀ) column b at a time into the planes.
@inline(__always)
private func transformOutputGradient4(_ g: Conv2dGeometry, _ dy: UnsafePointer<Float>, firstTileRow: Int,
                                      tileRows: Int, into dm: UnsafeMutablePointer<Float>, planeStride: Int,
                                      partial: UnsafeMutablePointer<Float>) {
    let stride = g.winogradRowStride, wo = g.outputWidth, ho = g.outputHeight, step = 6 * planeStride
    for tileRow in 0..<tileRows {
        let oy = 4 * (firstTileRow + tileRow)
        for i in 0..<4 {
            let target = partial + 6 * i * stride
            guard oy + i < ho else {
                target.update(repeating: 0, count: 6 * stride)
                continue
            }
            let row = dy + (oy + i) * wo
            for t in Swift.stride(from: 0, to: stride, by: 8) {
                let y = tileRowColumns(row, from: 4 * t, width: wo)
                let r = outputGradientTransform4(y.0, y.1, y.2, y.3)
                store8(r.0, target + t)
                store8(r.1, target + stride + t)
                store8(r.2, target + 2 * stride + t)
                store8(r.3, target + 3 * stride + t)
                store8(r.4, target + 4 * stride + t)
                store8(r.5, target + 5 * stride + t)
            }
        }
        for b in 0..<6 {
            let column = partial + b * stride, out = dm + b * planeStride + tileRow * stride
            for t in Swift.stride(from: 0, to: stride, by: 8) {
                let p = column + t, rowStep = 6 * stride
                let r = outputGradientTransform4(load8(p), load8(p + rowStep), load8(p + 2 * rowStep), load8(p + 3 * rowStep))
                let q = out + t
                store8(r.0, q)
                store8(r.1, q + step)
                store8(r.2, q + 2 * step)
                store8(r.3, q + 3 * step)
                store8(r.4, q + 4 * step)
                store8(r.5, q + 5 * step)
            }
        }
    }
}

/// A y for four values y along a row or column of a 4×4 output gradient: the adjoint of
/// `outputTransform4`.
@inline(__always)
private func outputGradientTransform4(_ y0: SIMD8<Float>, _ y1: SIMD8<Float>, _ y2: SIMD8<Float>, _ y3: SIMD8<Float>)
    -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let even = y0 + y2, odd = y1 + y3, evenScaled = y0 + 4 * y2, oddScaled = 2 * y1 + 8 * y3
    return (y0, even + odd, even - odd, evenScaled + oddScaled, evenScaled - oddScaled, y3)
}

/// `n` product columns rounded up to a multiple of 16, the width the Winograd products are
/// multiplied at: OpenBLAS 0.3.21's small-matrix kernel (products under 10⁶ multiply-adds) takes
/// a heap buffer per call when n is not a multiple of 16, and a step allocates nothing. The
/// columns past the real ones are never read back.
@inline(__always)
func sgemmColumns(_ n: Int) -> Int { (n + 15) / 16 * 16 }
