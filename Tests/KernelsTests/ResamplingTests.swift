import Testing
import Kernels
import TestSupport

/// Bicubic ×0.5 on even and odd sizes (8×8, 9×7, 16×16, 7×9), batch 1 and 3, and the smallest
/// input (2×3 → 1×1) where both outer taps clamp.
let bicubicCases: [ImageCase] = [
    .halved(1, 3, 8, 8), .halved(3, 5, 9, 7), .halved(1, 7, 16, 16), .halved(3, 3, 7, 9), .halved(1, 3, 2, 3),
]

/// Bilinear upsampling (5×7 → 13×11), downsampling (9×9 → 4×6), mixed (4×4 → 7×3), identity.
let bilinearCases: [ImageCase] = [
    ImageCase(1, 3, 5, 7, to: 13, 11), ImageCase(3, 5, 9, 9, to: 4, 6),
    ImageCase(3, 7, 4, 4, to: 7, 3), ImageCase(1, 3, 6, 5, to: 6, 5),
]

@Suite struct ResamplingTests {
    @Test("bicubic ×0.5: Double reference backward matches central differences", arguments: bicubicCases)
    func bicubicReferenceGradients(_ s: ImageCase) {
        var random = TestRandom(seed: 31)
        let x = random.uniform(s.inputCount), dy = random.uniform(s.outputCount)
        let analytic = Reference.bicubicDownsample2xBackward(dy, batch: s.batch, channels: s.channels, height: s.height, width: s.width)
        let results = GradientCheck().check(inputs: [x], outputGradient: dy, analytic: [analytic], names: ["input"]) {
            Reference.bicubicDownsample2x($0[0], batch: s.batch, channels: s.channels, height: s.height, width: s.width)
        }
        for r in results { #expect(r.passed, "\(s): \(r)") }
    }

    @Test("bicubic ×0.5: Float kernel matches the Double reference, forward and backward", arguments: bicubicCases)
    func bicubicKernel(_ s: ImageCase) {
        var random = TestRandom(seed: 32)
        let x = random.uniform(s.inputCount).floats, dy = random.uniform(s.outputCount).floats

        var y = [Float](repeating: .nan, count: s.outputCount)
        bicubicDownsample2xForward(input: x, output: &y, batch: s.batch, channels: s.channels, height: s.height, width: s.width)
        let yRef = Reference.bicubicDownsample2x(x.doubles, batch: s.batch, channels: s.channels, height: s.height, width: s.width)
        let forward = compare(y, yRef, atol: resamplingTolerance, rtol: resamplingTolerance, name: "output")
        #expect(forward.passed, "\(s): \(forward)")

        // Backward accumulates: start at 1 and subtract it afterwards.
        var dx = [Float](repeating: 1, count: s.inputCount)
        bicubicDownsample2xBackward(outputGradient: dy, inputGradient: &dx, batch: s.batch, channels: s.channels, height: s.height, width: s.width)
        let dxRef = Reference.bicubicDownsample2xBackward(dy.doubles, batch: s.batch, channels: s.channels, height: s.height, width: s.width)
        let backward = compare(dx.map { $0 - 1 }, dxRef, atol: resamplingTolerance, rtol: resamplingTolerance, name: "d/dinput")
        #expect(backward.passed, "\(s): \(backward)")
    }

    /// ×0.5 pinned by hand, independently of the reference code. scale 2: output d samples
    /// src = (d + 0.5)·2 − 0.5 = 2d + 0.5, so t = 0.5 and the taps are 2d − 1 … 2d + 2 (clamped
    /// to [0, 3]) with Keys weights (A = −0.75) W(1.5), W(0.5), W(0.5), W(1.5):
    /// W(1.5) = ((A·1.5 − 5A)·1.5 + 8A)·1.5 − 4A = −0.09375, W(0.5) = ((A + 2)·0.5 − (A + 3))·0.25 + 1 = 0.59375.
    @Test func bicubicHalfOfA4x4Ramp() {
        let a = -0.09375, b = 0.59375
        // Along one axis of a ramp r(k) = k: d = 0 reads taps (0, 0, 1, 2), d = 1 reads (1, 2, 3, 3).
        let p0 = a * 0 + b * 0 + b * 1 + a * 2          // 0.40625
        let p1 = a * 1 + b * 2 + b * 3 + a * 3          // 2.59375
        #expect(p0 == 0.40625 && p1 == 2.59375)
        // x[i, j] = 4i + j; the weights sum to 1, so output[i, j] = 4·p_i + p_j.
        let x = (0..<16).map(Float.init)
        var y = [Float](repeating: .nan, count: 4)
        bicubicDownsample2xForward(input: x, output: &y, batch: 1, channels: 1, height: 4, width: 4)
        #expect(y == [4 * p0 + p0, 4 * p0 + p1, 4 * p1 + p0, 4 * p1 + p1].map(Float.init))   // 2.03125, 4.21875, 10.78125, 12.96875

        // A non-linear input, where the outer weights matter: a single 1 at (1, 2) of a zero plane
        // shows up in output (0, 0) with weight W(0.5)·W(1.5) (row tap 1, column tap 2).
        var impulse = [Float](repeating: 0, count: 16)
        impulse[1 * 4 + 2] = 1
        bicubicDownsample2xForward(input: impulse, output: &y, batch: 1, channels: 1, height: 4, width: 4)
        // Output (0, 1): row tap 1 (b), columns 1, 2, 3, 3 → column 2 has weight b.
        // Output (1, 0): rows 1, 2, 3, 3 → row 1 has weight a; columns 0, 0, 1, 2 → column 2 has weight a.
        // Output (1, 1): row 1 weight a, column 2 weight b.
        #expect(y == [b * a, b * b, a * a, a * b].map(Float.init))

        // Backward of a 1 at output (0, 0): the outer product of the clamped row weights
        // [a + b, b, a, 0] = [0.5, 0.59375, −0.09375, 0] with itself.
        let weights = [a + b, b, a, 0]
        var dx = [Float](repeating: 0, count: 16)
        bicubicDownsample2xBackward(outputGradient: [1, 0, 0, 0], inputGradient: &dx, batch: 1, channels: 1, height: 4, width: 4)
        #expect(dx == (0..<16).map { Float(weights[$0 / 4] * weights[$0 % 4]) })
    }

    @Test("bilinear resize: Double reference backward matches central differences", arguments: bilinearCases)
    func bilinearReferenceGradients(_ s: ImageCase) {
        var random = TestRandom(seed: 33)
        let x = random.uniform(s.inputCount), dy = random.uniform(s.outputCount)
        let analytic = Reference.bilinearResizeBackward(dy, batch: s.batch, channels: s.channels, height: s.height, width: s.width,
                                                        outputHeight: s.outputHeight, outputWidth: s.outputWidth)
        let results = GradientCheck().check(inputs: [x], outputGradient: dy, analytic: [analytic], names: ["input"]) {
            Reference.bilinearResize($0[0], batch: s.batch, channels: s.channels, height: s.height, width: s.width,
                                     outputHeight: s.outputHeight, outputWidth: s.outputWidth)
        }
        for r in results { #expect(r.passed, "\(s): \(r)") }
    }

    /// The sweep plus the VGG input resize 128×128 → 224×224 (too large for central differences).
    @Test("bilinear resize: Float kernel matches the Double reference, forward and backward",
          arguments: bilinearCases + [ImageCase(1, 3, 128, 128, to: 224, 224)])
    func bilinearKernel(_ s: ImageCase) {
        var random = TestRandom(seed: 34)
        let x = random.uniform(s.inputCount).floats, dy = random.uniform(s.outputCount).floats

        var y = [Float](repeating: .nan, count: s.outputCount)
        bilinearResizeForward(input: x, output: &y, batch: s.batch, channels: s.channels, height: s.height, width: s.width,
                              outputHeight: s.outputHeight, outputWidth: s.outputWidth)
        let yRef = Reference.bilinearResize(x.doubles, batch: s.batch, channels: s.channels, height: s.height, width: s.width,
                                            outputHeight: s.outputHeight, outputWidth: s.outputWidth)
        let forward = compare(y, yRef, atol: resamplingTolerance, rtol: resamplingTolerance, name: "output")
        #expect(forward.passed, "\(s): \(forward)")

        var dx = [Float](repeating: 1, count: s.inputCount)
        bilinearResizeBackward(outputGradient: dy, inputGradient: &dx, batch: s.batch, channels: s.channels, height: s.height, width: s.width,
                               outputHeight: s.outputHeight, outputWidth: s.outputWidth)
        let dxRef = Reference.bilinearResizeBackward(dy.doubles, batch: s.batch, channels: s.channels, height: s.height, width: s.width,
                                                     outputHeight: s.outputHeight, outputWidth: s.outputWidth)
        let backward = compare(dx.map { $0 - 1 }, dxRef, atol: resamplingTolerance, rtol: resamplingTolerance, name: "d/dinput")
        #expect(backward.passed, "\(s): \(backward)")
    }

    /// PyTorch's documented result of upsampling [[1, 2], [3, 4]] ×2 with bilinear,
    /// align_corners=False: src = (d + 0.5)/2 − 0.5 = −0.25 (clamped to 0), 0.25, 0.75, 1.25
    /// (upper tap clamped), i.e. weights 1, ¾/¼, ¼/¾, 1 along each axis.
    @Test func bilinearDoublingOf2x2() {
        var y = [Float](repeating: .nan, count: 16)
        bilinearResizeForward(input: [1, 2, 3, 4], output: &y, batch: 1, channels: 1, height: 2, width: 2, outputHeight: 4, outputWidth: 4)
        #expect(y == [1.0, 1.25, 1.75, 2.0,
                      1.5, 1.75, 2.25, 2.5,
                      2.5, 2.75, 3.25, 3.5,
                      3.0, 3.25, 3.75, 4.0])
    }
}
