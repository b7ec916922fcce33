/// How a convolution treats the border of its input.
public enum Padding: Hashable, Sendable {
    /// No padding ("valid").
    case none
    /// `p` zeros on every side.
    case zero(Int)
    /// `p` mirrored pixels on every side, as `nn.ReflectionPad2d(p)` (edge not repeated);
    /// requires `p < height` and `p < width`.
    case reflect(Int)

    /// Whether the border mirrors the input (`.reflect`).
    public var reflects: Bool {
        if case .reflect = self { return true }
        return false
    }

    /// Pixels added on each side.
    public var amount: Int {
        switch self {
        case .none: 0
        case .zero(let p), .reflect(let p): p
        }
    }
}

/// The sizes of one 2-D convolution; computes the output size, how the work is tiled and the
/// scratch it needs.
///
/// input (N, C, H, W)  weight (O, C, K, K)  bias (O)  output (N, O, Ho, Wo); with
/// `upsamplesInput` the input is stored at half size (N, C, H/2, W/2) and read as its nearest
/// ×2 upsampling (`F.interpolate(scale_factor=2)`), which is never materialized.
///
/// The kernels work in tiles of `rowsPerTile` output rows of one image: the im2col matrix of a
/// tile (C·K·K × rowsPerTile·Wo) stays in cache between im2col and sgemm, and the scratch is a
/// few tiles however large the image. Forward threads take whole tiles as they come free (a
/// tile's arithmetic is the same on any thread); backward gives each thread a range of input
/// channels (its columns of the weight gradient, its rows of the column gradient, its planes of
/// the input gradient). No two threads write the same memory,
/// so results are the same from run to run on a given number of threads. (Across thread
/// counts they differ in the last bits of the weight gradient: OpenBLAS's Haswell sgemm sums
/// an element differently depending on where the product's row blocks start.)
///
/// Stride-1 convs (`usesShiftedRows`) build a "shifted rows" matrix instead of im2col: the
/// C·K horizontal taps of the tile's rows plus K − 1 halo rows, and take the K vertical taps
/// as K sgemm calls over views of it shifted by one output row each, accumulating (beta = 1).
/// It is a third of the im2col matrix to write, and to read back in col2im; the sgemm calls
/// have depth C·K instead of C·K·K, which OpenBLAS blocks by a few hundred anyway. The weight
/// is reordered to (K, O, C·K) so each vertical tap is one contiguous matrix.
public struct Conv2dGeometry: Hashable, Sendable, CustomStringConvertible {
    public let batch: Int
    public let inputChannels: Int
    public let outputChannels: Int
    /// Height of the convolved input (after the ×2 upsampling when `upsamplesInput`).
    public let height: Int
    /// Width of the convolved input (after the ×2 upsampling when `upsamplesInput`).
    public let width: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Padding
    /// Whether the stored input is (H/2, W/2), read as its nearest ×2 upsampling.
    public let upsamplesInput: Bool
    /// Output rows per tile.
    public let rowsPerTile: Int
    /// Floats of im2col matrix per tile aimed for, and output pixels per tile wanted at least (`init`).
    public let tileFloats: Int, minimumTileColumns: Int
    /// Threads the scratch has room for (the kernels use at most this many).
    public let threads: Int
    /// Whether the kernels take the shifted-rows path (stride 1, kernel larger than 1).
    public let usesShiftedRows: Bool
    /// Whether the forward takes a Winograd path (3×3, stride 1; `Winograd.swift`).
    public let usesWinograd: Bool
    /// The output tile edge of the Winograd forward and weight gradient: 4 for F(4×4, 3×3)
    /// where it does `largeWinogradTileWork` of F(2×2, 3×3)'s product work or less, else 2.
    public let winogradTile: Int
    /// The output tile edge of the Winograd input gradient (`inputGradientGeometry`): as
    /// `winogradTile`, unless made with `largeForwardTiles` or `largeInputGradientTiles` cleared.
    public let inputGradientWinogradTile: Int
    /// Whether the forward takes the stride-2 Winograd path (3×3, stride 2, outputs at least 21
    /// wide, and 64 wide where U is large: `suitsStridedWinograd`), and the backward where it wins
    /// (`usesStridedWinogradWeightGradient`, `usesStridedWinogradInputGradient`).
    public let usesStridedWinograd: Bool
    /// Whether forward and backward take the direct kernels of a 3×3 stride-1 conv with one
    /// output channel (`OneChannelConv.swift`) instead of any of the product-based paths.
    public let usesOneChannelDirect: Bool
    /// The algorithms this conv was allowed to choose among.
    public let options: ConvolutionOptions

    /// Floats of im2col matrix per tile the kernels aim for: 4 MiB, a tile's columns and its
    /// share of the output stay in the last-level cache between im2col and sgemm.
    public static let defaultTileFloats = 1 << 20
    /// Output pixels per tile the kernels want at least, whatever `tileFloats` allows: narrower
    /// products run measurably below sgemm's ceiling (128→128 channels at 32²: 0.80 of it with
    /// one-row tiles, 1.0 with whole images).
    public static let defaultMinimumTileColumns = 2048

    /// - Parameters:
    ///   - height, width: of the convolved input, after upsampling when `upsamplesInput`.
    ///   - tileFloats, minimumTileColumns: a tile has as many output rows as keep its im2col
    ///     matrix within `tileFloats`, or as give it `minimumTileColumns` output pixels if that
    ///     is more (at least one row, at most the image); the image's tiles are then evened out.
    ///   - threads: how many threads' scratch `scratchCount` covers; the kernels' thread count
    ///     (`BLAS.threads`) by default.
    ///   - options: the algorithms allowed.
    ///   - largeForwardTiles, largeInputGradientTiles: whether this conv's forward and weight
    ///     gradient, and its input gradient, may take F(4×4) where `options` allows it; a layer
    ///     clears one where F(4×4)'s rounding is too coarse for what follows it (`ConvLayer`).
    public init(batch: Int, inputChannels: Int, outputChannels: Int, height: Int, width: Int,
                kernelSize: Int, stride: Int = 1, padding: Padding = .none, upsamplesInput: Bool = false,
                tileFloats: Int = Conv2dGeometry.defaultTileFloats,
                minimumTileColumns: Int = Conv2dGeometry.defaultMinimumTileColumns, threads: Int = BLAS.threads,
                options: ConvolutionOptions = .default, largeForwardTiles: Bool = true,
                largeInputGradientTiles: Bool = true) {
        let p = padding.amount
        precondition(batch > 0 && inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && stride > 0,
                     "Conv2d: sizes must be positive (batch \(batch), channels \(inputChannels)→\(outputChannels), kernel \(kernelSize), stride \(stride))")
        precondition(height + 2 * p >= kernelSize && width + 2 * p >= kernelSize,
                     "Conv2d: a \(kernelSize)×\(kernelSize) kernel does not fit a padded \(height)×\(width) input (padding \(p))")
        if case .reflect = padding {
            precondition(p < height && p < width,
                         "Conv2d: reflection padding \(p) needs an input larger than \(p) (got \(height)×\(width))")
        }
        precondition(!upsamplesInput || (height % 2 == 0 && width % 2 == 0),
                     "Conv2d: an upsampled input has even sizes (got \(height)×\(width))")
        precondition(tileFloats > 0 && threads > 0, "Conv2d: tile of \(tileFloats) floats, \(threads) threads")
        self.batch = batch
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.height = height
        self.width = width
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.upsamplesInput = upsamplesInput
        self.threads = threads
        self.options = options
        usesOneChannelDirect = options.oneChannelDirect && outputChannels == 1 && kernelSize == 3 && stride == 1 && !upsamplesInput
        usesShiftedRows = options.shiftedRows && !usesOneChannelDirect && stride == 1 && kernelSize > 1
        self.tileFloats = tileFloats
        self.minimumTileColumns = minimumTileColumns
        let outputHeight = (height + 2 * p - kernelSize) / stride + 1
        let outputWidth = (width + 2 * p - kernelSize) / stride + 1
        let rowFloats = inputChannels * kernelSize * kernelSize * outputWidth
        let rows = max(1, min(outputHeight, max(tileFloats / rowFloats, (minimumTileColumns + outputWidth - 1) / outputWidth)))
        let tiles = (outputHeight + rows - 1) / rows
        rowsPerTile = (outputHeight + tiles - 1) / tiles
        usesWinograd = options.winograd && !usesOneChannelDirect && stride == 1 && kernelSize == 3
            && Self.suitsWinograd(outputWidth: outputWidth)
        let suitsLargeTiles = Self.suitsLargeWinogradTiles(outputHeight: outputHeight, outputWidth: outputWidth)
        let largeTiles = usesWinograd && options.largeWinogradTiles && suitsLargeTiles
        winogradTile = largeTiles && largeForwardTiles ? 4 : 2
        inputGradientWinogradTile = largeTiles && largeInputGradientTiles ? 4 : 2
        usesStridedWinograd = options.stridedWinograd && stride == 2 && kernelSize == 3 && !upsamplesInput
            && Self.suitsStridedWinograd(outputHeight: outputHeight, outputWidth: outputWidth,
                                         channelPairs: outputChannels * inputChannels)
    }

    public var outputHeight: Int { (height + 2 * padding.amount - kernelSize) / stride + 1 }
    public var outputWidth: Int { (width + 2 * padding.amount - kernelSize) / stride + 1 }

    /// Height and width of the stored input: half the convolved size when `upsamplesInput`.
    public var storedHeight: Int { upsamplesInput ? height / 2 : height }
    public var storedWidth: Int { upsamplesInput ? width / 2 : width }

    public var inputCount: Int { batch * inputChannels * storedHeight * storedWidth }
    public var outputCount: Int { batch * outputChannels * outputHeight * outputWidth }
    public var weightCount: Int { outputChannels * inputChannels * kernelSize * kernelSize }

    /// Rows of the im2col matrix: C·K·K.
    public var columnRows: Int { inputChannels * kernelSize * kernelSize }
    /// Columns of the im2col matrix of a whole image: Ho·Wo.
    public var columnColumns: Int { outputHeight * outputWidth }

    /// Tiles of one image.
    public var tilesPerImage: Int { (outputHeight + rowsPerTile - 1) / rowsPerTile }

    /// True when the im2col matrix of an image is the image itself (1×1, stride 1, no padding).
    public var isPointwise: Bool { kernelSize == 1 && stride == 1 && padding.amount == 0 && !upsamplesInput }

    /// Floats of one thread's scratch: the im2col matrix of one tile, or its shifted-rows matrix
    /// (C·K rows, K − 1 more output rows).
    public var tileScratchCount: Int {
        if isPointwise { return 0 }
        if usesShiftedRows { return inputChannels * kernelSize * (rowsPerTile + kernelSize - 1) * outputWidth }
        return columnRows * rowsPerTile * outputWidth
    }

    /// Floats of scratch that `conv2dForward` / `conv2dBackward` need: one tile per thread,
    /// after two weight-sized matrices on the shifted-rows path (the reordered weight and the
    /// reordered weight gradient), or the Winograd forward's if that is more; a one-channel
    /// direct conv's padded rows and output gradient instead.
    public var scratchCount: Int {
        if usesOneChannelDirect { return oneChannelThreadScratchCount * threads }
        let tiled = (usesShiftedRows ? 2 * weightCount : 0) + tileScratchCount * threads
        if usesStridedWinograd {
            return max(tiled, stridedWinogradScratchCount,
                       usesStridedWinogradWeightGradient ? stridedWinogradWeightGradientScratchCount : 0,
                       usesStridedWinogradInputGradient ? stridedWinogradInputGradientScratchCount : 0)
        }
        guard usesWinograd else { return tiled }
        return max(tiled, winogradScratchCount, winogradWeightGradientScratchCount,
                   usesWinogradInputGradient ? winogradInputGradientScratchCount : 0)
    }

    /// Multiply-adds ×2 of the forward pass.
    public var forwardFlops: Double { 2 * Double(batch) * Double(outputChannels) * Double(columnRows) * Double(columnColumns) }

    public var description: String {
        "conv \(inputChannels)→\(outputChannels) k\(kernelSize) s\(stride) \(padding)\(upsamplesInput ? " up×2" : "") on (\(batch), \(inputChannels), \(height), \(width))"
            + (usesWinograd ? " winograd F(\(winogradTile)×\(winogradTile))" : "")
            + (usesWinograd && winogradImagesPerRow > 1 ? " two images a row" : "")
            + (usesWinogradInputGradient && inputGradientWinogradTile != winogradTile
                ? " input gradient F(\(inputGradientWinogradTile)×\(inputGradientWinogradTile))" : "")
            + (usesStridedWinograd ? " winograd F(4×4) stride 2" : "")
            + (usesShiftedRows ? " shifted rows" : "")
            + (usesOneChannelDirect ? " one-channel direct" : "")
    }
}

/// Convolution forward; overwrites `output`.
///
/// input (N, C, H, W), or (N, C, H/2, W/2) with `upsamplesInput`  weight (O, C, K, K)
/// bias (O) or nil  output (N, O, Ho, Wo)
/// scratch: `geometry.scratchCount` floats (one tile's im2col matrix per thread).
public func conv2dForward(_ g: Conv2dGeometry,
                          input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
    if g.usesOneChannelDirect {
        oneChannelForward(g, input: input, weight: weight, bias: bias, output: output, scratch: scratch)
        return
    }
    if g.usesWinograd {
        winogradForward(g, input: input, weight: weight, bias: bias, output: output, scratch: scratch)
        return
    }
    if g.usesStridedWinograd {
        stridedWinogradForward(g, input: input, weight: weight, bias: bias, output: output, scratch: scratch)
        return
    }
    let work = g.batch * g.columnColumns * (g.columnRows + g.outputChannels)
    var (weight, scratch) = (weight, scratch)
    if g.usesShiftedRows {
        reorderWeight(g, weight, into: scratch)
        (weight, scratch) = (UnsafePointer(scratch), scratch + 2 * g.weightCount)
    }
    let tiles = ConvForwardTiles(g: g, input: input, weight: weight, bias: bias, output: output, scratch: scratch)
    forEachItem(g.batch * g.tilesPerImage, work: work, maximumParts: g.threads, tiles)
}

/// Convolution backward; accumulates (`+=`) into every gradient that is not nil.
///
/// input (N, C, H, W), or (N, C, H/2, W/2) with `upsamplesInput`  weight (O, C, K, K)
/// outputGradient (N, O, Ho, Wo)  inputGradient (shaped as input)  weightGradient (O, C, K, K)
/// biasGradient (O)
/// scratch: `geometry.scratchCount` floats.
public func conv2dBackward(_ g: Conv2dGeometry,
                           input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                           outputGradient: UnsafePointer<Float>,
                           inputGradient: UnsafeMutablePointer<Float>?,
                           weightGradient: UnsafeMutablePointer<Float>?,
                           biasGradient: UnsafeMutablePointer<Float>?,
                           scratch: UnsafeMutablePointer<Float>) {
    if let biasGradient {
        struct BiasGradient: RangeWork {
            let g: Conv2dGeometry, dy: UnsafePointer<Float>, db: UnsafeMutablePointer<Float>
            func run(_ channels: Range<Int>) {
                let plane = g.columnColumns
                for o in channels {
                    var sum: Float = 0
                    for n in 0..<g.batch { sum += sumOfElements(dy + (n * g.outputChannels + o) * plane, count: plane) }
                    db[o] += sum
                }
            }
        }
        forEachRange(g.outputChannels, work: g.outputCount, BiasGradient(g: g, dy: outputGradient, db: biasGradient))
    }
    guard inputGradient != nil || weightGradient != nil else { return }
    if g.usesOneChannelDirect {
        if let weightGradient {
            oneChannelWeightGradient(g, input: input, outputGradient: outputGradient, weightGradient: weightGradient,
                                     scratch: scratch)
        }
        if let inputGradient {
            oneChannelInputGradient(g, weight: weight, outputGradient: outputGradient, inputGradient: inputGradient,
                                    scratch: scratch)
        }
        return
    }
    let work = g.batch * g.columnColumns * (g.columnRows + g.outputChannels)
    var (inputGradient, weightGradient) = (inputGradient, weightGradient)
    if g.usesStridedWinogradWeightGradient, let dw = weightGradient {
        stridedWinogradWeightGradient(g, input: input, outputGradient: outputGradient, weightGradient: dw,
                                      scratch: scratch)
        weightGradient = nil
        if inputGradient == nil { return }
    }
    if g.usesStridedWinogradInputGradient, let dx = inputGradient {
        stridedWinogradInputGradient(g, weight: weight, outputGradient: outputGradient, inputGradient: dx,
                                     scratch: scratch)
        inputGradient = nil
        if weightGradient == nil { return }
    }
    if g.usesWinograd {
        if let dw = weightGradient {
            winogradWeightGradient(g, input: input, outputGradient: outputGradient, weightGradient: dw, scratch: scratch)
            weightGradient = nil
        }
        if let dx = inputGradient, g.usesWinogradInputGradient {
            winogradInputGradient(g, weight: weight, outputGradient: outputGradient, inputGradient: dx, scratch: scratch)
            inputGradient = nil
        }
        if inputGradient == nil { return }
    }
    if g.usesShiftedRows {
        if inputGradient != nil { reorderWeight(g, weight, into: scratch) }
        let channels = ShiftedRowsBackwardChannels(
            g: g, input: input, weight: scratch, outputGradient: outputGradient, inputGradient: inputGradient,
            weightGradient: weightGradient, reorderedWeightGradient: scratch + g.weightCount,
            scratch: scratch + 2 * g.weightCount)
        forEachPart(work: work, maximumParts: min(g.threads, g.inputChannels), channels)
        return
    }
    let channels = ConvBackwardChannels(g: g, input: input, weight: weight, outputGradient: outputGradient,
                                        inputGradient: inputGradient, weightGradient: weightGradient, scratch: scratch)
    forEachPart(work: work, maximumParts: min(g.threads, g.inputChannels), channels)
}

/// The tiles of the forward, taken by whichever thread is free: the tile's columns, then
/// y_tile (O, rows·Wo) written straight into the output rows, as weight (O, CKK) · columns
/// (CKK, rows·Wo) from im2col, or with shifted rows as Σ_ki weight_ki (O, C·K) · S (C·K, rows·Wo)
/// at column offset ki·Wo.
private struct ConvForwardTiles: ItemWork {
    let g: Conv2dGeometry
    /// (O, C, K, K) as stored, or reordered (K, O, C·K) when `g.usesShiftedRows`.
    let input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?
    let output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>

    func run(item tile: Int, part: Int) {
        let plane = g.columnColumns, inputImage = g.inputChannels * g.storedHeight * g.storedWidth
        let k = g.kernelSize, ck = g.inputChannels * k, wo = g.outputWidth
        let columns = scratch + part * g.tileScratchCount
        let n = tile / g.tilesPerImage, firstRow = tile % g.tilesPerImage * g.rowsPerTile
        let rows = firstRow ..< min(firstRow + g.rowsPerTile, g.outputHeight)
        let tileColumns = rows.count * wo, offset = firstRow * wo
        let x = input + n * inputImage
        let y = output + n * g.outputChannels * plane + offset
        if g.isPointwise {
            serialMatrixMultiply(m: g.outputChannels, n: tileColumns, k: g.columnRows, weight,
                                 x + offset, leadingB: plane, into: y, leadingC: plane)
        } else if g.usesShiftedRows {
            im2col(g, image: x, columns: columns, channels: 0..<g.inputChannels,
                   rows: rows.lowerBound ..< rows.upperBound + k - 1, shiftedRows: true)
            for ki in 0..<k {
                serialMatrixMultiply(m: g.outputChannels, n: tileColumns, k: ck, weight + ki * g.outputChannels * ck,
                                     columns + ki * wo, leadingB: (rows.count + k - 1) * wo, into: y,
                                     leadingC: plane, beta: ki == 0 ? 0 : 1)
            }
        } else {
            im2col(g, image: x, columns: columns, channels: 0..<g.inputChannels, rows: rows)
            serialMatrixMultiply(m: g.outputChannels, n: tileColumns, k: g.columnRows, weight,
                                 columns, into: y, leadingC: plane)
        }
        if let bias { addBias(bias, to: y, channels: g.outputChannels, plane: plane, columns: tileColumns) }
    }
}

/// One thread's input channels c0..<c1 of the backward, tile by tile in order:
/// dW[:, c0·KK..<c1·KK] += dy_tile (O, T) · columns_tile[c0..<c1]ᵀ (T, (c1−c0)·KK), and
/// dcolumns[c0..<c1] = weight[:, c0·KK..<c1·KK]ᵀ · dy_tile, scattered back onto dx[c0..<c1].
private struct ConvBackwardChannels: ParallelWork {
    let g: Conv2dGeometry
    let input: UnsafePointer<Float>, weight: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>
    let inputGradient: UnsafeMutablePointer<Float>?, weightGradient: UnsafeMutablePointer<Float>?
    let scratch: UnsafeMutablePointer<Float>

    func run(part: Int, of parts: Int) {
        let c = g.inputChannels
        let channels = c * part / parts ..< c * (part + 1) / parts
        guard !channels.isEmpty else { return }
        let kk = g.kernelSize * g.kernelSize, sliceRows = channels.count * kk, firstRow = channels.lowerBound * kk
        let plane = g.columnColumns, storedPlane = g.storedHeight * g.storedWidth
        let inputImage = c * storedPlane
        let columns = scratch + part * g.tileScratchCount
        for n in 0..<g.batch {
            let x = input + n * inputImage
            for tile in 0..<g.tilesPerImage {
                let first = tile * g.rowsPerTile
                let rows = first ..< min(first + g.rowsPerTile, g.outputHeight)
                let tileColumns = rows.count * g.outputWidth, offset = first * g.outputWidth
                let dy = outputGradient + n * g.outputChannels * plane + offset
                if let weightGradient {
                    if g.isPointwise {
                        serialMatrixMultiply(m: g.outputChannels, n: sliceRows, k: tileColumns, dy, leadingA: plane,
                                             x + channels.lowerBound * storedPlane + offset, transposeB: true,
                                             leadingB: plane, into: weightGradient + firstRow, leadingC: g.columnRows,
                                             beta: 1)
                    } else {
                        im2col(g, image: x, columns: columns, channels: channels, rows: rows)
                        serialMatrixMultiply(m: g.outputChannels, n: sliceRows, k: tileColumns, dy, leadingA: plane,
                                             columns, transposeB: true, leadingB: tileColumns,
                                             into: weightGradient + firstRow, leadingC: g.columnRows, beta: 1)
                    }
                }
                if let inputGradient {
                    let dx = inputGradient + n * inputImage
                    if g.isPointwise {
                        serialMatrixMultiply(m: sliceRows, n: tileColumns, k: g.outputChannels,
                                             weight + firstRow, transposeA: true, leadingA: g.columnRows,
                                             dy, leadingB: plane,
                                             into: dx + channels.lowerBound * storedPlane + offset, leadingC: plane,
                                             beta: 1)
                    } else {
                        serialMatrixMultiply(m: sliceRows, n: tileColumns, k: g.outputChannels,
                                             weight + firstRow, transposeA: true, leadingA: g.columnRows,
                                             dy, leadingB: plane, into: columns)
                        col2im(g, columns: columns, image: dx, channels: channels, rows: rows)
                    }
                }
            }
        }
    }
}

/// Copies the weight (O, C, K, K) to (K, O, C·K): `reordered[ki][o][c·K + kj] = weight[o][c][ki][kj]`,
/// one contiguous (O, C·K) matrix per vertical tap; overwrites `reordered`.
private func reorderWeight(_ g: Conv2dGeometry, _ weight: UnsafePointer<Float>,
                           into reordered: UnsafeMutablePointer<Float>) {
    let k = g.kernelSize, o = g.outputChannels, ck = g.inputChannels * k
    for ki in 0..<k {
        for oc in 0..<o {
            let dst = reordered + (ki * o + oc) * ck, src = weight + oc * ck * k + ki * k
            for c in 0..<g.inputChannels {
                for kj in 0..<k { dst[c * k + kj] = src[c * k * k + kj] }
            }
        }
    }
}

/// One thread's input channels c0..<c1 of the shifted-rows backward, tile by tile in order:
/// dW_ki[:, c0·K..<c1·K] += dy_tile (O, T) · S_ki[c0..<c1]ᵀ into the reordered gradient
/// (K, O, C·K), added onto dW (O, C, K, K) at the end; dS[c0..<c1] = Σ_ki weight_kiᵀ · dy_tile
/// at column offset ki·Wo, scattered back onto dx[c0..<c1].
private struct ShiftedRowsBackwardChannels: ParallelWork {
    let g: Conv2dGeometry
    /// Reordered (K, O, C·K), valid when `inputGradient` is not nil.
    let input: UnsafePointer<Float>, weight: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>
    let inputGradient: UnsafeMutablePointer<Float>?, weightGradient: UnsafeMutablePointer<Float>?
    /// (K, O, C·K); this thread's columns c0·K..<c1·K are its own.
    let reorderedWeightGradient: UnsafeMutablePointer<Float>
    let scratch: UnsafeMutablePointer<Float>

    func run(part: Int, of parts: Int) {
        let c = g.inputChannels
        let channels = c * part / parts ..< c * (part + 1) / parts
        guard !channels.isEmpty else { return }
        let k = g.kernelSize, o = g.outputChannels, ck = c * k, wo = g.outputWidth
        let sliceRows = channels.count * k, firstColumn = channels.lowerBound * k
        let plane = g.columnColumns, inputImage = c * g.storedHeight * g.storedWidth
        let columns = scratch + part * g.tileScratchCount
        let dwr = reorderedWeightGradient + firstColumn
        if weightGradient != nil {
            for row in 0..<k * o { (dwr + row * ck).update(repeating: 0, count: sliceRows) }
        }
        for n in 0..<g.batch {
            for tile in 0..<g.tilesPerImage {
                let firstRow = tile * g.rowsPerTile
                let rowCount = min(g.rowsPerTile, g.outputHeight - firstRow)
                let rows = firstRow ..< firstRow + rowCount + k - 1
                let tileColumns = rowCount * wo, shiftedColumns = (rowCount + k - 1) * wo
                let dy = outputGradient + n * o * plane + firstRow * wo
                if weightGradient != nil {
                    im2col(g, image: input + n * inputImage, columns: columns, channels: channels, rows: rows,
                           shiftedRows: true)
                    for ki in 0..<k {
                        serialMatrixMultiply(m: o, n: sliceRows, k: tileColumns, dy, leadingA: plane,
                                             columns + ki * wo, transposeB: true, leadingB: shiftedColumns,
                                             into: dwr + ki * o * ck, leadingC: ck, beta: 1)
                    }
                }
                if let inputGradient {
                    // Tap 0 overwrites columns 0..<T; the last (K − 1)·Wo are only accumulated into.
                    for row in 0..<sliceRows {
                        (columns + row * shiftedColumns + tileColumns).update(repeating: 0, count: shiftedColumns - tileColumns)
                    }
                    for ki in 0..<k {
                        serialMatrixMultiply(m: sliceRows, n: tileColumns, k: o,
                                             weight + ki * o * ck + firstColumn, transposeA: true, leadingA: ck,
                                             dy, leadingB: plane, into: columns + ki * wo, leadingC: shiftedColumns,
                                             beta: ki == 0 ? 0 : 1)
                    }
                    col2im(g, columns: columns, image: inputGradient + n * inputImage, channels: channels, rows: rows,
                           shiftedRows: true)
                }
            }
        }
        if let weightGradient {
            for oc in 0..<o {
                for ch in channels {
                    for ki in 0..<k {
                        let src = reorderedWeightGradient + (ki * o + oc) * ck + ch * k
                        let dst = weightGradient + ((oc * c + ch) * k + ki) * k
                        for kj in 0..<k { dst[kj] += src[kj] }
                    }
                }
            }
        }
    }
}

/// Σ of `count` floats, eight lanes at a time.
@inline(__always)
func sumOfElements(_ x: UnsafePointer<Float>, count: Int) -> Float {
    let raw = UnsafeRawPointer(x)
    var lanes = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
        lanes += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    var sum = lanes.sum()
    while i < count {
        sum += x[i]
        i += 1
    }
    return sum
}

/// y[o, 0..<columns] += bias[o] for each output channel of one tile, rows `plane` apart.
@inline(__always)
private func addBias(_ bias: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, channels: Int, plane: Int,
                     columns: Int) {
    for o in 0..<channels {
        let b = bias[o], row = y + o * plane
        for i in 0..<columns { row[i] += b }
    }
}
