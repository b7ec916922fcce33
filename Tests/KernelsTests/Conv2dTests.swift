import Testing
import Kernels
import TestSupport

/// Shapes swept by the conv tests: odd sizes, stride 2 (on narrow and wide rows), 1×1 / 3×3 / 4×4 / 7×7 kernels, all
/// paddings, batch 1 and 3, channel counts that are not multiples of 8.
let convGeometries: [Conv2dGeometry] = [
    Conv2dGeometry(batch: 1, inputChannels: 3, outputChannels: 5, height: 7, width: 9, kernelSize: 3, stride: 1, padding: .reflect(1)),
    Conv2dGeometry(batch: 3, inputChannels: 5, outputChannels: 3, height: 9, width: 6, kernelSize: 3, stride: 2, padding: .reflect(1)),
    Conv2dGeometry(batch: 2, inputChannels: 4, outputChannels: 6, height: 8, width: 8, kernelSize: 3, stride: 2, padding: .zero(1)),
    Conv2dGeometry(batch: 1, inputChannels: 3, outputChannels: 2, height: 5, width: 7, kernelSize: 3, stride: 1, padding: .none),
    Conv2dGeometry(batch: 3, inputChannels: 7, outputChannels: 9, height: 5, width: 5, kernelSize: 1, stride: 1, padding: .none),
    Conv2dGeometry(batch: 2, inputChannels: 3, outputChannels: 4, height: 6, width: 5, kernelSize: 1, stride: 2, padding: .none),
    Conv2dGeometry(batch: 1, inputChannels: 2, outputChannels: 3, height: 11, width: 10, kernelSize: 7, stride: 1, padding: .reflect(3)),
    Conv2dGeometry(batch: 2, inputChannels: 3, outputChannels: 2, height: 9, width: 9, kernelSize: 4, stride: 2, padding: .zero(2)),
    Conv2dGeometry(batch: 1, inputChannels: 1, outputChannels: 1, height: 3, width: 3, kernelSize: 3, stride: 1, padding: .reflect(2)),
    // Rows wide enough for the vector loops of stride-2 im2col / col2im, with their scalar tails.
    Conv2dGeometry(batch: 2, inputChannels: 3, outputChannels: 4, height: 12, width: 37, kernelSize: 3, stride: 2, padding: .reflect(1)),
    Conv2dGeometry(batch: 1, inputChannels: 2, outputChannels: 3, height: 6, width: 40, kernelSize: 4, stride: 2, padding: .zero(2)),
]

/// The input read as its nearest ×2 upsampling (the decoder's and hourglass's `scale='up'`
/// ConvLayers), the upsampled copy never made.
let upsamplingConvGeometries: [Conv2dGeometry] = [
    Conv2dGeometry(batch: 2, inputChannels: 3, outputChannels: 4, height: 8, width: 6, kernelSize: 3, stride: 1,
                   padding: .reflect(1), upsamplesInput: true),
    Conv2dGeometry(batch: 1, inputChannels: 5, outputChannels: 3, height: 10, width: 12, kernelSize: 3, stride: 2,
                   padding: .zero(1), upsamplesInput: true),
    Conv2dGeometry(batch: 3, inputChannels: 2, outputChannels: 3, height: 4, width: 4, kernelSize: 1, stride: 1,
                   padding: .none, upsamplesInput: true),
]

/// Tiles of one or two output rows, so an image spans several tiles (and col2im of adjacent
/// tiles adds into shared input rows).
let tiledConvGeometries: [Conv2dGeometry] = [
    Conv2dGeometry(batch: 2, inputChannels: 3, outputChannels: 5, height: 7, width: 9, kernelSize: 3, stride: 1,
                   padding: .reflect(1), tileFloats: 1, minimumTileColumns: 1),
    Conv2dGeometry(batch: 1, inputChannels: 5, outputChannels: 3, height: 9, width: 6, kernelSize: 3, stride: 2,
                   padding: .reflect(1), tileFloats: 2 * 45 * 3, minimumTileColumns: 1),
    Conv2dGeometry(batch: 2, inputChannels: 4, outputChannels: 3, height: 6, width: 8, kernelSize: 3, stride: 1,
                   padding: .reflect(1), upsamplesInput: true, tileFloats: 36 * 8 * 3, minimumTileColumns: 1),
    Conv2dGeometry(batch: 3, inputChannels: 7, outputChannels: 9, height: 5, width: 5, kernelSize: 1, stride: 1,
                   padding: .none, tileFloats: 1, minimumTileColumns: 1),
]

/// Large enough (≥ 2¹⁵ floats of work) that the kernels split tiles (forward) and channels
/// (backward) across threads, with several tiles per image.
let parallelConvGeometries: [Conv2dGeometry] = [
    Conv2dGeometry(batch: 2, inputChannels: 13, outputChannels: 6, height: 33, width: 31, kernelSize: 3, stride: 1,
                   padding: .reflect(1), tileFloats: 117 * 31 * 5, minimumTileColumns: 1),
    Conv2dGeometry(batch: 1, inputChannels: 11, outputChannels: 4, height: 64, width: 48, kernelSize: 3, stride: 2,
                   padding: .zero(1), tileFloats: 99 * 24 * 7, minimumTileColumns: 1, options: ConvolutionOptions(stridedWinograd: false)),
    Conv2dGeometry(batch: 1, inputChannels: 9, outputChannels: 5, height: 40, width: 36, kernelSize: 3, stride: 1,
                   padding: .reflect(1), upsamplesInput: true, tileFloats: 81 * 36 * 6, minimumTileColumns: 1),
    Conv2dGeometry(batch: 2, inputChannels: 10, outputChannels: 7, height: 45, width: 43, kernelSize: 1, stride: 1,
                   padding: .none, tileFloats: 10 * 43 * 4, minimumTileColumns: 1),
]

/// The shifted-rows path (stride 1, K > 1): odd sizes, batch 1 and 3, zero, reflect and no
/// padding, K = 3 and 5, ×2 upsampling, one-row and several-row tiles (the K − 1 halo rows of
/// adjacent tiles overlap), and sizes that split tiles and channels over threads; with Winograd
/// off, so the forward takes shifted rows too.
let shiftedRowsConvGeometries: [Conv2dGeometry] = [
    Conv2dGeometry(batch: 1, inputChannels: 3, outputChannels: 5, height: 7, width: 9, kernelSize: 3, padding: .reflect(1), options: ConvolutionOptions(winograd: false)),
    Conv2dGeometry(batch: 3, inputChannels: 5, outputChannels: 3, height: 9, width: 7, kernelSize: 3, padding: .zero(1), options: ConvolutionOptions(winograd: false)),
    Conv2dGeometry(batch: 3, inputChannels: 2, outputChannels: 7, height: 11, width: 5, kernelSize: 5, padding: .reflect(2), options: ConvolutionOptions(winograd: false)),
    Conv2dGeometry(batch: 1, inputChannels: 4, outputChannels: 3, height: 9, width: 11, kernelSize: 3, padding: .none, options: ConvolutionOptions(winograd: false)),
    Conv2dGeometry(batch: 3, inputChannels: 3, outputChannels: 5, height: 7, width: 9, kernelSize: 3, padding: .reflect(1),
                   tileFloats: 1, minimumTileColumns: 1, options: ConvolutionOptions(winograd: false)),
    Conv2dGeometry(batch: 1, inputChannels: 5, outputChannels: 4, height: 10, width: 14, kernelSize: 3, padding: .reflect(1),
                   upsamplesInput: true, tileFloats: 45 * 14 * 3, minimumTileColumns: 1, options: ConvolutionOptions(winograd: false)),
    Conv2dGeometry(batch: 3, inputChannels: 13, outputChannels: 6, height: 33, width: 31, kernelSize: 3,
                   padding: .reflect(1), tileFloats: 117 * 31 * 5, minimumTileColumns: 1, options: ConvolutionOptions(winograd: false)),
    Conv2dGeometry(batch: 1, inputChannels: 9, outputChannels: 5, height: 40, width: 36, kernelSize: 3,
                   padding: .zero(1), upsamplesInput: true, tileFloats: 81 * 36 * 6, minimumTileColumns: 1, options: ConvolutionOptions(winograd: false)),
]

/// The Winograd forward (3×3, stride 1): reflect, zero and no padding, padding 2, odd output
/// sizes (overhanging tiles), ×2 upsampling with odd and even padding, a one-pixel output,
/// several blocks per image (small `tileFloats`) and sizes split over threads; the input gradient
/// with Winograd where the widths suit it (below), else on shifted rows.
let winogradConvGeometries: [Conv2dGeometry] = [
    Conv2dGeometry(batch: 2, inputChannels: 3, outputChannels: 5, height: 7, width: 16, kernelSize: 3, padding: .reflect(1)),
    Conv2dGeometry(batch: 1, inputChannels: 5, outputChannels: 3, height: 9, width: 15, kernelSize: 3, padding: .zero(1)),
    Conv2dGeometry(batch: 3, inputChannels: 4, outputChannels: 2, height: 6, width: 17, kernelSize: 3, padding: .none),
    Conv2dGeometry(batch: 1, inputChannels: 2, outputChannels: 3, height: 5, width: 13, kernelSize: 3, padding: .reflect(2)),
    Conv2dGeometry(batch: 1, inputChannels: 3, outputChannels: 2, height: 1, width: 16, kernelSize: 3, padding: .zero(1)),
    Conv2dGeometry(batch: 2, inputChannels: 3, outputChannels: 4, height: 10, width: 16, kernelSize: 3, padding: .reflect(1),
                   upsamplesInput: true),
    Conv2dGeometry(batch: 1, inputChannels: 4, outputChannels: 3, height: 6, width: 34, kernelSize: 3, padding: .none,
                   upsamplesInput: true),
    Conv2dGeometry(batch: 2, inputChannels: 6, outputChannels: 5, height: 13, width: 31, kernelSize: 3, padding: .reflect(1),
                   tileFloats: 1, minimumTileColumns: 1),
    Conv2dGeometry(batch: 3, inputChannels: 13, outputChannels: 6, height: 33, width: 31, kernelSize: 3,
                   padding: .reflect(1), tileFloats: 16 * 19 * 16 * 3, minimumTileColumns: 1),
    Conv2dGeometry(batch: 1, inputChannels: 9, outputChannels: 17, height: 40, width: 32, kernelSize: 3,
                   padding: .zero(1), upsamplesInput: true, tileFloats: 16 * 26 * 32 * 4, minimumTileColumns: 1),
    // Widths whose transposed conv (Wo + 2) suits Winograd too: the input gradient folded back.
    Conv2dGeometry(batch: 2, inputChannels: 3, outputChannels: 5, height: 7, width: 14, kernelSize: 3, padding: .reflect(1)),
    Conv2dGeometry(batch: 1, inputChannels: 5, outputChannels: 3, height: 9, width: 13, kernelSize: 3, padding: .zero(1)),
    Conv2dGeometry(batch: 3, inputChannels: 4, outputChannels: 2, height: 6, width: 16, kernelSize: 3, padding: .none),
    Conv2dGeometry(batch: 1, inputChannels: 2, outputChannels: 3, height: 5, width: 12, kernelSize: 3, padding: .reflect(2)),
    Conv2dGeometry(batch: 2, inputChannels: 3, outputChannels: 4, height: 10, width: 14, kernelSize: 3, padding: .reflect(1),
                   upsamplesInput: true),
    Conv2dGeometry(batch: 1, inputChannels: 9, outputChannels: 17, height: 40, width: 30, kernelSize: 3,
                   padding: .zero(1), upsamplesInput: true, tileFloats: 16 * 26 * 16 * 4, minimumTileColumns: 1),
    Conv2dGeometry(batch: 2, inputChannels: 13, outputChannels: 6, height: 33, width: 29, kernelSize: 3,
                   padding: .reflect(1), tileFloats: 16 * 19 * 16 * 3, minimumTileColumns: 1),
    // Enough work that the reflected border's strips are split over the threads by image.
    Conv2dGeometry(batch: 3, inputChannels: 16, outputChannels: 24, height: 40, width: 40, kernelSize: 3,
                   padding: .reflect(1)),
    // F(4×4, 3×3) with padding 2 (reflected, zero: overhanging tile rows), and a row whose last
    // 32 columns are partly past the output (61 wide).
    Conv2dGeometry(batch: 1, inputChannels: 3, outputChannels: 4, height: 9, width: 30, kernelSize: 3, padding: .reflect(2)),
    Conv2dGeometry(batch: 2, inputChannels: 4, outputChannels: 3, height: 7, width: 28, kernelSize: 3, padding: .zero(2)),
    Conv2dGeometry(batch: 2, inputChannels: 5, outputChannels: 3, height: 6, width: 61, kernelSize: 3, padding: .zero(1)),
    // Blocks of several whole images, the last one short (5 images, 2 a block, on one thread).
    Conv2dGeometry(batch: 5, inputChannels: 6, outputChannels: 7, height: 9, width: 14, kernelSize: 3,
                   padding: .reflect(1), threads: 1),
    Conv2dGeometry(batch: 5, inputChannels: 6, outputChannels: 7, height: 14, width: 30, kernelSize: 3,
                   padding: .reflect(1), upsamplesInput: true, threads: 1),
    // F(4×4) with two images a row (outputs ≤ 16 wide): an odd batch whose last image has no
    // partner, 13 columns (the fourth tile overhangs), an upsampled input with zero padding, and
    // blocks of one tile row (small `tileFloats`) on two threads.
    Conv2dGeometry(batch: 5, inputChannels: 6, outputChannels: 7, height: 16, width: 16, kernelSize: 3,
                   padding: .reflect(1), threads: 1),
    Conv2dGeometry(batch: 2, inputChannels: 9, outputChannels: 8, height: 11, width: 13, kernelSize: 3,
                   padding: .reflect(1)),
    Conv2dGeometry(batch: 4, inputChannels: 5, outputChannels: 6, height: 16, width: 16, kernelSize: 3,
                   padding: .zero(1), upsamplesInput: true),
    Conv2dGeometry(batch: 3, inputChannels: 4, outputChannels: 5, height: 14, width: 15, kernelSize: 3,
                   padding: .reflect(1), tileFloats: 36 * 9 * 8, minimumTileColumns: 1, threads: 2),
    // Wide channels on small maps: the weight gradient a whole image at a time, its products
    // split by position over the threads (F(4×4); two images, the second adding on; F(2×2)).
    Conv2dGeometry(batch: 1, inputChannels: 64, outputChannels: 64, height: 17, width: 32, kernelSize: 3,
                   padding: .reflect(1), threads: 2),
    Conv2dGeometry(batch: 2, inputChannels: 128, outputChannels: 128, height: 9, width: 32, kernelSize: 3,
                   padding: .zero(1), threads: 2),
    Conv2dGeometry(batch: 1, inputChannels: 96, outputChannels: 96, height: 16, width: 16, kernelSize: 3,
                   padding: .reflect(1), threads: 2),
]

/// 3×3 stride-2 convs on the stride-2 Winograd forward (outputs at least 21 wide): every padding
/// with odd and even padded sizes (a last tile row or column overhanging, or the last padded
/// column never read), a one-row output, channel counts across groups of 8, and blocks of one
/// tile row, several an image, on two threads (the input gradient's rows shared by blocks).
let stridedWinogradConvGeometries: [Conv2dGeometry] = [
    Conv2dGeometry(batch: 2, inputChannels: 5, outputChannels: 7, height: 64, width: 64, kernelSize: 3, stride: 2,
                   padding: .reflect(1)),
    Conv2dGeometry(batch: 1, inputChannels: 3, outputChannels: 4, height: 49, width: 45, kernelSize: 3, stride: 2,
                   padding: .zero(1)),
    Conv2dGeometry(batch: 3, inputChannels: 9, outputChannels: 6, height: 18, width: 130, kernelSize: 3, stride: 2,
                   padding: .none),
    Conv2dGeometry(batch: 1, inputChannels: 2, outputChannels: 3, height: 13, width: 51, kernelSize: 3, stride: 2,
                   padding: .reflect(2)),
    Conv2dGeometry(batch: 2, inputChannels: 4, outputChannels: 3, height: 22, width: 50, kernelSize: 3, stride: 2,
                   padding: .zero(2)),
    Conv2dGeometry(batch: 1, inputChannels: 3, outputChannels: 5, height: 2, width: 48, kernelSize: 3, stride: 2,
                   padding: .reflect(1)),
    Conv2dGeometry(batch: 1, inputChannels: 13, outputChannels: 11, height: 96, width: 62, kernelSize: 3, stride: 2,
                   padding: .reflect(1), tileFloats: 81 * 24 * 8, minimumTileColumns: 1, threads: 2),
    Conv2dGeometry(batch: 1, inputChannels: 40, outputChannels: 24, height: 62, width: 64, kernelSize: 3, stride: 2,
                   padding: .reflect(1), threads: 2),
    // Odd sizes with a reflected border: the bottom padded row read, and its gradient in the row
    // the last two blocks share.
    Conv2dGeometry(batch: 2, inputChannels: 6, outputChannels: 5, height: 41, width: 47, kernelSize: 3, stride: 2,
                   padding: .reflect(1), tileFloats: 81 * 11 * 8, minimumTileColumns: 1, threads: 2),
]

/// The Winograd geometries above that take F(4×4, 3×3), on F(2×2, 3×3) instead.
let smallTileWinogradConvGeometries: [Conv2dGeometry] = winogradConvGeometries.filter { $0.winogradTile == 4 }.map {
    Conv2dGeometry(batch: $0.batch, inputChannels: $0.inputChannels, outputChannels: $0.outputChannels,
                   height: $0.height, width: $0.width, kernelSize: 3, padding: $0.padding, upsamplesInput: $0.upsamplesInput,
                   tileFloats: $0.tileFloats, minimumTileColumns: $0.minimumTileColumns,
                   options: ConvolutionOptions(largeWinogradTiles: false))
}

/// VGG19's convs: the forward on F(2×2), the input gradient on F(4×4) (zero padding as VGG's;
/// reflected, whose border strips the input gradient adds after the interior).
let mixedTileWinogradConvGeometries: [Conv2dGeometry] = [
    Conv2dGeometry(batch: 2, inputChannels: 6, outputChannels: 5, height: 28, width: 28, kernelSize: 3, padding: .zero(1),
                   largeForwardTiles: false),
    Conv2dGeometry(batch: 1, inputChannels: 4, outputChannels: 7, height: 34, width: 30, kernelSize: 3, padding: .reflect(1),
                   largeForwardTiles: false),
]

/// One output channel, 3×3 stride 1 (the attention maps' out_block), on its direct kernels:
/// reflect, zero and no padding, padding 2, rows narrower and wider than the vector width with
/// tails, batch 1 and 3, channel counts across groups of 8, and enough work that output bands,
/// channel groups and channels are split over threads (batch 1: several bands per image).
let oneChannelConvGeometries: [Conv2dGeometry] = [
    Conv2dGeometry(batch: 1, inputChannels: 3, outputChannels: 1, height: 7, width: 5, kernelSize: 3, padding: .reflect(1)),
    Conv2dGeometry(batch: 3, inputChannels: 9, outputChannels: 1, height: 11, width: 19, kernelSize: 3, padding: .reflect(1)),
    Conv2dGeometry(batch: 2, inputChannels: 5, outputChannels: 1, height: 9, width: 17, kernelSize: 3, padding: .zero(1)),
    Conv2dGeometry(batch: 1, inputChannels: 4, outputChannels: 1, height: 10, width: 21, kernelSize: 3, padding: .none),
    Conv2dGeometry(batch: 2, inputChannels: 3, outputChannels: 1, height: 6, width: 13, kernelSize: 3, padding: .reflect(2)),
    Conv2dGeometry(batch: 1, inputChannels: 2, outputChannels: 1, height: 5, width: 11, kernelSize: 3, padding: .zero(2)),
    Conv2dGeometry(batch: 2, inputChannels: 11, outputChannels: 1, height: 41, width: 39, kernelSize: 3, padding: .reflect(1)),
    Conv2dGeometry(batch: 1, inputChannels: 17, outputChannels: 1, height: 48, width: 45, kernelSize: 3, padding: .reflect(1)),
]

/// The stride-1 cases above on the im2col path, which other strides take.
let im2colConvGeometries: [Conv2dGeometry] = shiftedRowsConvGeometries.map {
    Conv2dGeometry(batch: $0.batch, inputChannels: $0.inputChannels, outputChannels: $0.outputChannels,
                   height: $0.height, width: $0.width, kernelSize: $0.kernelSize, padding: $0.padding,
                   upsamplesInput: $0.upsamplesInput, tileFloats: $0.inputChannels * $0.kernelSize * $0.kernelSize
                       * $0.outputWidth * $0.rowsPerTile, minimumTileColumns: 1, 
                   options: ConvolutionOptions(shiftedRows: false, winograd: false))
}

@Suite struct Conv2dTests {
    @Test("Double reference backward matches central differences", arguments: convGeometries + upsamplingConvGeometries)
    func referenceGradients(_ g: Conv2dGeometry) {
        var random = TestRandom(seed: 11)
        let x = random.uniform(g.inputCount), w = random.uniform(g.weightCount)
        let b = random.uniform(g.outputChannels), dy = random.uniform(g.outputCount)
        let analytic = Reference.conv2dBackward(g, input: x, weight: w, outputGradient: dy)
        let results = GradientCheck().check(
            inputs: [x, w, b], outputGradient: dy, analytic: [analytic.input, analytic.weight, analytic.bias],
            names: ["input", "weight", "bias"]) { Reference.conv2d(g, input: $0[0], weight: $0[1], bias: $0[2]) }
        for r in results { #expect(r.passed, "\(g): \(r)") }
    }

    @Test("Float kernel matches the Double reference, forward and backward",
          arguments: convGeometries + upsamplingConvGeometries + tiledConvGeometries + parallelConvGeometries
              + shiftedRowsConvGeometries + im2colConvGeometries + winogradConvGeometries + smallTileWinogradConvGeometries
              + mixedTileWinogradConvGeometries + oneChannelConvGeometries + stridedWinogradConvGeometries)
    func kernelMatchesReference(_ g: Conv2dGeometry) {
        var random = TestRandom(seed: 12)
        let x = random.uniform(g.inputCount).floats, w = random.uniform(g.weightCount).floats
        let b = random.uniform(g.outputChannels).floats, dy = random.uniform(g.outputCount).floats
        var scratch = [Float](repeating: .nan, count: max(g.scratchCount, 1))

        var y = [Float](repeating: .nan, count: g.outputCount)
        conv2dForward(g, input: x, weight: w, bias: b, output: &y, scratch: &scratch)
        let yRef = Reference.conv2d(g, input: x.doubles, weight: w.doubles, bias: b.doubles)
        // F(4×4, 3×3) rounds more than F(2×2): its transform coefficients reach 8 and 1/24, and
        // the 6×6 patches sum 36 terms. NumPy in float32 at these sizes (13 channels, uniform ±1,
        // outputs of RMS 3.6): max error 7.8·10⁻⁵ for F(4×4), 3.6·10⁻⁶ for F(2×2). Rounding grows
        // with the square root of the terms summed: wider convs get √(depth / 117) of it.
        let widening = max(1, (Double(g.columnRows) / 117).squareRoot())
        let forwardTolerance = (g.usesWinograd && g.winogradTile == 4 ? 2e-4 : g.usesStridedWinograd ? 3e-5 : 1e-5) * widening
        let forward = compare(y, yRef, atol: forwardTolerance, rtol: 1e-5, name: "output")
        #expect(forward.passed, "\(g): \(forward)")

        // Backward accumulates: start every gradient at 1 and subtract it afterwards.
        var dx = [Float](repeating: 1, count: g.inputCount)
        var dw = [Float](repeating: 1, count: g.weightCount)
        var db = [Float](repeating: 1, count: g.outputChannels)
        conv2dBackward(g, input: x, weight: w, outputGradient: dy,
                       inputGradient: &dx, weightGradient: &dw, biasGradient: &db, scratch: &scratch)
        let ref = Reference.conv2dBackward(g, input: x.doubles, weight: w.doubles, outputGradient: dy.doubles)
        let transposed = g.inputGradientGeometry
        let inputTolerance = (g.usesWinogradInputGradient && transposed.winogradTile == 4 ? 3e-4
                                : g.usesStridedWinogradInputGradient ? 3e-5 : 1e-5)
            * max(1, (Double(transposed.columnRows) / 117).squareRoot())
        // The weight gradient's elements each sum a product per output pixel of the batch (up to
        // 4800 here), and F(4×4) rounds those sums at ≈ 10⁻⁵ of their size: 2.3·10⁻⁴ at most here.
        // The direct sums' rounding grows with the square root of their length too, and depends
        // on sgemm's kernel: OpenBLAS's Haswell kernel reached 1.8·10⁻⁵ over 1280 terms and
        // 4.1·10⁻⁵ over 4800 (the Cooperlake kernel under 10⁻⁵).
        let weightTerms = Double(g.batch * g.outputHeight * g.outputWidth)
        let weightTolerance = g.usesWinograd && g.weightGradientGeometry.winogradTile == 4 ? 5e-4
            : g.usesStridedWinogradWeightGradient ? 1e-4 : 1e-5 * max(1, (weightTerms / 117).squareRoot())
        for (name, got, expected, atol) in [("input", dx, ref.input, inputTolerance), ("weight", dw, ref.weight, weightTolerance),
                                            ("bias", db, ref.bias, 1e-5)] {
            let r = compare(got.map { $0 - 1 }, expected, atol: atol, rtol: 1e-5, name: "d/d\(name)")
            #expect(r.passed, "\(g): \(r)")
        }
    }

    @Test("A conv can take F(2×2) forward and F(4×4) for its input gradient, and says so")
    func mixedWinogradTiles() {
        for g in mixedTileWinogradConvGeometries {
            #expect(g.winogradTile == 2 && g.inputGradientWinogradTile == 4 && g.usesWinogradInputGradient, "\(g)")
            #expect(g.inputGradientGeometry.winogradTile == 4 && g.weightGradientGeometry.winogradTile == 2, "\(g)")
            #expect(g.description.hasSuffix("winograd F(2×2) input gradient F(4×4) shifted rows"), "\(g)")
        }
    }

    @Test func outputSizes() {
        let down = Conv2dGeometry(batch: 1, inputChannels: 1, outputChannels: 1, height: 128, width: 128,
                                  kernelSize: 3, stride: 2, padding: .reflect(1))
        #expect((down.outputHeight, down.outputWidth) == (64, 64))
        let valid = Conv2dGeometry(batch: 1, inputChannels: 1, outputChannels: 2, height: 16, width: 12,
                                   kernelSize: 3, stride: 1, padding: .none)
        #expect((valid.outputHeight, valid.outputWidth) == (14, 10))
        #expect(valid.usesShiftedRows && valid.tileScratchCount == 3 * (14 + 2) * 10
                 && valid.scratchCount == 2 * 18 + valid.tileScratchCount * valid.threads)
        #expect(oneChannelConvGeometries.allSatisfy { $0.usesOneChannelDirect && !$0.usesWinograd && !$0.usesShiftedRows })
        #expect(oneChannelConvGeometries.contains { $0.oneChannelBandsPerImage > 1 || $0.threads == 1 })
        #expect(![convGeometries, upsamplingConvGeometries, winogradConvGeometries].joined().contains {
            $0.usesOneChannelDirect && $0.outputChannels > 1 })
        #expect(shiftedRowsConvGeometries.allSatisfy { $0.usesShiftedRows })
        #expect(!im2colConvGeometries.contains { $0.usesShiftedRows || $0.usesWinograd })
        #expect(!shiftedRowsConvGeometries.contains { $0.usesWinograd })
        #expect(winogradConvGeometries.allSatisfy { $0.usesWinograd })
        #expect(winogradConvGeometries.contains { $0.winogradTile == 2 }
                 && winogradConvGeometries.contains { $0.winogradTile == 4 && $0.winogradBlocksPerGroup > 2 }
                 && winogradConvGeometries.contains { $0.usesWinogradInputGradient && $0.inputGradientGeometry.winogradTile == 4 })
        #expect(smallTileWinogradConvGeometries.contains {
            $0.winogradGroupsPerBlock > 1 && $0.batch % $0.winogradGroupsPerBlock != 0 })
        #expect(winogradConvGeometries.contains {
            $0.winogradTile == 4 && $0.winogradGroupsPerBlock > 1 && $0.batch % $0.winogradGroupsPerBlock != 0 })
        #expect(smallTileWinogradConvGeometries.count >= 8
                 && smallTileWinogradConvGeometries.allSatisfy { $0.usesWinograd && $0.winogradTile == 2 })
        // 128², 32² and 16² (two images a row) maps take F(4×4), 8² Winograd not at all; on any batch.
        #expect([128, 32, 16, 8].map {
            let g = Conv2dGeometry(batch: 1, inputChannels: 8, outputChannels: 8, height: $0, width: $0, kernelSize: 3,
                                   padding: .reflect(1))
            return g.usesWinograd ? g.winogradTile : 0
        } == [4, 4, 4, 0])
        let pairs = Conv2dGeometry(batch: 2, inputChannels: 8, outputChannels: 8, height: 16, width: 16, kernelSize: 3,
                                   padding: .reflect(1))
        #expect(pairs.winogradTile == 4 && pairs.winogradImagesPerRow == 2 && pairs.usesWinogradInputGradient
                 && pairs.inputGradientGeometry.winogradImagesPerRow == 2
                 && pairs.weightGradientGeometry.winogradTile == 2)
        let paired = winogradConvGeometries.filter { $0.winogradImagesPerRow == 2 }
        #expect(paired.contains { $0.batch % 2 == 1 && $0.winogradGroupsPerBlock > 1 }
                 && paired.contains { $0.batch % 2 == 1 && $0.winogradBlocksPerGroup > 1 }
                 && paired.contains { $0.outputWidth < 16 } && paired.contains { $0.upsamplesInput }
                 && paired.contains { $0.usesWinogradInputGradient })
        let splitting = winogradConvGeometries.filter { $0.weightGradientGeometry.winogradWeightGradientSplitsPositions }
        #expect(splitting.contains { $0.weightGradientGeometry.winogradTile == 4 }
                 && splitting.contains { $0.weightGradientGeometry.winogradTile == 2 }
                 && splitting.contains { $0.batch > 1 }
                 && winogradConvGeometries.contains { !$0.weightGradientGeometry.winogradWeightGradientSplitsPositions })
        #expect(winogradConvGeometries.contains { $0.winogradBlocksPerGroup > 2 })
        #expect(winogradConvGeometries.contains { $0.usesWinogradInputGradient }
                 && winogradConvGeometries.contains { !$0.usesWinogradInputGradient })
        for g in stridedWinogradConvGeometries {
            #expect(g.usesStridedWinograd && g.usesStridedWinogradWeightGradient && !g.usesWinograd, "\(g)")
        }
        #expect(stridedWinogradConvGeometries.allSatisfy { $0.usesStridedWinogradInputGradient == ($0.padding.amount <= 1) }
                 && stridedWinogradConvGeometries.contains { !$0.usesStridedWinogradInputGradient })
        // Wide channels on a small map keep the weight gradient on im2col (its ∂U sums outweigh V and ∂M).
        let wide = Conv2dGeometry(batch: 1, inputChannels: 512, outputChannels: 512, height: 128, width: 128,
                                  kernelSize: 3, stride: 2, padding: .reflect(1), threads: 2)
        #expect(wide.usesStridedWinograd && !wide.usesStridedWinogradWeightGradient)
        // Where U is large (2¹⁵ channel pairs or more), a 32-wide output (64 tiles an image) stays
        // on im2col at any batch; under that it takes Winograd.
        for (c, o, uses) in [(512, 512, false), (128, 256, false), (128, 128, true), (64, 128, true)] {
            for batch in [1, 16] {
                let g = Conv2dGeometry(batch: batch, inputChannels: c, outputChannels: o, height: 64, width: 64,
                                       kernelSize: 3, stride: 2, padding: .reflect(1))
                #expect(g.usesStridedWinograd == uses, "\(g)")
            }
        }
        #expect(stridedWinogradConvGeometries.contains { $0.stridedWinogradBlocksPerImage > 2 && $0.threads == 2 })
        #expect(stridedWinogradConvGeometries.contains { $0.outputHeight == 1 }
                 && stridedWinogradConvGeometries.contains { $0.outputWidth % 4 != 0 })
        #expect(![convGeometries, upsamplingConvGeometries, parallelConvGeometries].joined().contains { $0.usesStridedWinograd })
        // Stride-2 outputs 64 and 32 wide take it, 16 wide not.
        #expect([128, 64, 32].map {
            Conv2dGeometry(batch: 1, inputChannels: 8, outputChannels: 8, height: $0, width: $0, kernelSize: 3, stride: 2,
                           padding: .reflect(1)).usesStridedWinograd
        } == [true, true, false])
        #expect(zip(shiftedRowsConvGeometries, im2colConvGeometries).allSatisfy { $0.rowsPerTile == $1.rowsPerTile })
        #expect(parallelConvGeometries.allSatisfy { $0.tilesPerImage > 2 })
        let up = Conv2dGeometry(batch: 2, inputChannels: 3, outputChannels: 1, height: 8, width: 6, kernelSize: 3,
                                padding: .reflect(1), upsamplesInput: true, tileFloats: 27 * 6 * 3, minimumTileColumns: 1, threads: 2)
        #expect((up.storedHeight, up.storedWidth, up.inputCount) == (4, 3, 2 * 3 * 4 * 3))
        #expect((up.rowsPerTile, up.tilesPerImage, up.scratchCount) == (3, 3, 2 * 27 + 2 * 9 * (3 + 2) * 6))
    }
}

extension Conv2dGeometry: CustomTestStringConvertible {
    public var testDescription: String { description }
}
