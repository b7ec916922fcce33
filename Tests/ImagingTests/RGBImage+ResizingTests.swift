import Foundation
import Imaging
import Testing
import TestSupport

/// A one-channel image replicated to R = G = B, rows top to bottom.
func grayImage(_ rows: [[UInt8]]) -> RGBImage {
    RGBImage(width: rows[0].count, height: rows.count, pixels: rows.joined().flatMap { [$0, $0, $0] })
}

/// The R channel, rows top to bottom.
func redRows(_ image: RGBImage) -> [[UInt8]] {
    (0..<image.height).map { y in (0..<image.width).map { image[x: $0, y: y, channel: 0] } }
}

/// Pillow's resize written from its definition with dense weight matrices: the filter
/// stretched by the scale when downscaling, weights normalized per output and rounded to
/// 22-bit fixed point (half away from zero), sums rounded half up and clipped, horizontal
/// pass then vertical on the uint8 result. (Without the fixed-point weights a Double version
/// differs by 1 wherever a sum lands exactly on .5, which small integer images often do.)
func referenceResize(_ image: RGBImage, width: Int, height: Int, filter: ResamplingFilter) -> [Int] {
    func kernel(_ x: Double) -> Double {
        let x = abs(x)
        switch filter {
        case .bilinear: return max(0, 1 - x)
        case .bicubic:
            let a = -0.5
            return x < 1 ? (a + 2) * x * x * x - (a + 3) * x * x + 1 : x < 2 ? a * (x * x * x - 5 * x * x + 8 * x - 4) : 0
        }
    }
    let support: Double = filter == .bilinear ? 1 : 2
    // weights[o][i] over every input index i (zero outside the support), in units of 2^-22.
    func weights(_ input: Int, _ output: Int) -> [[Int]] {
        let scale = Double(input) / Double(output), stretch = max(scale, 1)
        return (0..<output).map { o in
            let center = (Double(o) + 0.5) * scale
            let low = max(Int(center - support * stretch + 0.5), 0), high = min(Int(center + support * stretch + 0.5), input)
            let w = (0..<input).map { i in (low..<high).contains(i) ? kernel((Double(i) + 0.5 - center) / stretch) : 0 }
            let total = w.reduce(0, +)
            return w.map { Int(($0 / total * 4_194_304).rounded(.toNearestOrAwayFromZero)) }
        }
    }
    func round8(_ sum: Int) -> Int { min(max(Int((Double(sum) / 4_194_304 + 0.5).rounded(.down)), 0), 255) }
    var plane = (0..<image.height).map { y in (0..<image.width).map { x in (0..<3).map { Int(image[x: x, y: y, channel: $0]) } } }
    if width != image.width {
        let w = weights(image.width, width)
        plane = plane.map { row in (0..<width).map { o in (0..<3).map { c in
            round8((0..<image.width).reduce(0) { $0 + w[o][$1] * row[$1][c] }) } } }
    }
    if height != image.height {
        let w = weights(image.height, height)
        plane = (0..<height).map { o in (0..<plane[0].count).map { x in (0..<3).map { c in
            round8((0..<image.height).reduce(0) { $0 + w[o][$1] * plane[$1][x][c] }) } } }
    }
    return plane.flatMap { $0.flatMap { $0 } }
}

struct ResizeCase: CustomStringConvertible, Sendable {
    let width, height, outputWidth, outputHeight: Int
    let filter: ResamplingFilter
    var description: String { "\(width)×\(height) → \(outputWidth)×\(outputHeight) \(filter)" }
}

let resizeCases: [ResizeCase] = [
    ResizeCase(width: 13, height: 7, outputWidth: 5, outputHeight: 9, filter: .bicubic),
    ResizeCase(width: 20, height: 20, outputWidth: 37, outputHeight: 3, filter: .bicubic),
    ResizeCase(width: 31, height: 17, outputWidth: 8, outputHeight: 17, filter: .bicubic),
    ResizeCase(width: 9, height: 11, outputWidth: 9, outputHeight: 2, filter: .bicubic),
    ResizeCase(width: 1, height: 5, outputWidth: 3, outputHeight: 1, filter: .bicubic),
    ResizeCase(width: 13, height: 7, outputWidth: 5, outputHeight: 9, filter: .bilinear),
    ResizeCase(width: 24, height: 19, outputWidth: 7, outputHeight: 40, filter: .bilinear),
]

@Suite struct RGBImageResizingTests {
    // 4 → 2 is a 2× downscale: support 1·2, so output 0 (center 1.0) reads inputs 0, 1, 2 at
    // triangle((i + 0.5 − 1)/2) = 3/4, 3/4, 1/4 → 3/7, 3/7, 1/7; output 1 reads 1, 2, 3 with 1/7, 3/7, 3/7.
    // [10, 20, 30, 40] → 120/7 = 17.1 → 17 and 230/7 = 32.9 → 33. (Without the antialiasing
    // stretch it would be 15 and 35.)
    @Test("Bilinear 2× downscale, by hand")
    func bilinearDownscale() {
        let image = grayImage([[10, 20, 30, 40]]).resized(width: 2, height: 1, filter: .bilinear)
        #expect(redRows(image) == [[17, 33]])
    }

    // 2 → 4 is an upscale: support 2, output centers 0.25, 0.75, 1.25, 1.75. Output 1 reads
    // inputs 0, 1 at cubic(−0.25) = 0.8671875 and cubic(0.75) = 0.2265625, normalized
    // 0.7929 and 0.2071; output 0 at cubic(0.25) = 0.8671875 and cubic(1.25) = −0.0703125,
    // normalized 1.0882 and −0.0882. [100, 200] → 91.2, 120.7, 179.3, 208.8 → 91, 121, 179, 209;
    // [0, 255] → −22.5, 52.8, 202.2, 277.5 → clipped 0, 53, 202, 255.
    @Test("Bicubic 2× upscale, with clipping, by hand")
    func bicubicUpscale() {
        #expect(redRows(grayImage([[100, 200]]).resized(width: 4, height: 1, filter: .bicubic)) == [[91, 121, 179, 209]])
        #expect(redRows(grayImage([[0, 255]]).resized(width: 4, height: 1, filter: .bicubic)) == [[0, 53, 202, 255]])
        #expect(redRows(grayImage([[100], [200]]).resized(width: 1, height: 4, filter: .bicubic)) == [[91], [121], [179], [209]])
    }

    // Bilinear 4×4 → 2×2 with the weights above on both axes. Horizontal pass, rounded:
    //   [4 3 1 5] → 22/7, 21/7 → 3, 3      [0 0 0 0] → 0, 0
    //   [6 3 6 0] → 33/7, 21/7 → 5, 3      [3 7 7 3] → 37/7, 37/7 → 5, 5
    // Vertical pass on that: row 0 = (3·[3 3] + 3·[0 0] + [5 3])/7 = 14/7, 12/7 → 2, 2;
    // row 1 = ([0 0] + 3·[5 3] + 3·[5 5])/7 = 30/7, 24/7 → 4, 3.
    // Vertical first, or no rounding between the passes, gives 4 instead of 3 at (1, 1).
    @Test("Horizontal pass first, rounded to uint8 before the vertical pass, by hand")
    func passOrder() {
        let image = grayImage([[4, 3, 1, 5], [0, 0, 0, 0], [6, 3, 6, 0], [3, 7, 7, 3]])
        #expect(redRows(image.resized(width: 2, height: 2, filter: .bilinear)) == [[2, 2], [4, 3]])
    }

    @Test("Same size is the identity; channels are resized independently")
    func identityAndChannels() {
        let image = syntheticImage(width: 9, height: 6, seed: 5, noise: 40)
        #expect(image.resized(width: 9, height: 6) == image)
        let resized = image.resized(width: 4, height: 11)
        for c in 0..<3 {
            let channel = RGBImage(width: 9, height: 6, pixels: (0..<54).flatMap { i in [UInt8](repeating: image.pixels[3 * i + c], count: 3) })
            let alone = channel.resized(width: 4, height: 11)
            #expect((0..<44).allSatisfy { alone.pixels[3 * $0] == resized.pixels[3 * $0 + c] }, "channel \(c)")
        }
    }

    @Test("Matches the definition exactly over odd sizes, up and down, both filters", arguments: resizeCases)
    func matchesReference(_ shape: ResizeCase) {
        let image = syntheticImage(width: shape.width, height: shape.height, seed: 6, noise: 60)
        let ours = image.resized(width: shape.outputWidth, height: shape.outputHeight, filter: shape.filter)
        #expect(ours.width == shape.outputWidth && ours.height == shape.outputHeight)
        let reference = referenceResize(image, width: shape.outputWidth, height: shape.outputHeight, filter: shape.filter)
        let comparison = compare(ours.pixels.map(Double.init), reference.map(Double.init), atol: 0, rtol: 0, name: "\(shape)")
        #expect(comparison.passed, "\(comparison)")
    }
}
