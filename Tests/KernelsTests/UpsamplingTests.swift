import Testing
import Kernels
import TestSupport

/// Odd and even sizes, batch 1 and 3, channels 3 / 5 / 7, a 1×1 plane.
let nearest2xCases: [ImageCase] = [
    .doubled(1, 3, 5, 7), .doubled(3, 5, 4, 6), .doubled(3, 7, 9, 9), .doubled(1, 3, 1, 1),
]

/// Upsampling (5×7 → 13×11), downsampling (9×9 → 4×6), exactly ×2, identity, and 26 → 22 whose
/// Float scale moves index 11 (see `sourceIndicesFollowFloatScale`).
let nearestResizeCases: [ImageCase] = [
    ImageCase(1, 3, 5, 7, to: 13, 11), ImageCase(3, 5, 9, 9, to: 4, 6), ImageCase(1, 7, 4, 6, to: 8, 12),
    ImageCase(3, 3, 7, 5, to: 7, 5), ImageCase(1, 5, 3, 26, to: 7, 22),
]

@Suite struct UpsamplingTests {
    @Test("nearest ×2: Double reference backward matches central differences", arguments: nearest2xCases)
    func nearest2xReferenceGradients(_ s: ImageCase) {
        var random = TestRandom(seed: 21)
        let x = random.uniform(s.inputCount), dy = random.uniform(s.outputCount)
        let analytic = Reference.nearestUpsample2xBackward(dy, batch: s.batch, channels: s.channels, height: s.height, width: s.width)
        let results = GradientCheck().check(inputs: [x], outputGradient: dy, analytic: [analytic], names: ["input"]) {
            Reference.nearestUpsample2x($0[0], batch: s.batch, channels: s.channels, height: s.height, width: s.width)
        }
        for r in results { #expect(r.passed, "\(s): \(r)") }
    }

    @Test("nearest ×2: Float kernel matches the Double reference, forward and backward", arguments: nearest2xCases)
    func nearest2xKernel(_ s: ImageCase) {
        var random = TestRandom(seed: 22)
        let x = random.uniform(s.inputCount).floats, dy = random.uniform(s.outputCount).floats

        var y = [Float](repeating: .nan, count: s.outputCount)
        nearestUpsample2xForward(input: x, output: &y, batch: s.batch, channels: s.channels, height: s.height, width: s.width)
        let yRef = Reference.nearestUpsample2x(x.doubles, batch: s.batch, channels: s.channels, height: s.height, width: s.width)
        let forward = compare(y, yRef, atol: 0, rtol: 0, name: "output")        // a copy: exact
        #expect(forward.passed, "\(s): \(forward)")

        // Backward accumulates: start at 1 and subtract it afterwards.
        var dx = [Float](repeating: 1, count: s.inputCount)
        nearestUpsample2xBackward(outputGradient: dy, inputGradient: &dx, batch: s.batch, channels: s.channels, height: s.height, width: s.width)
        let dxRef = Reference.nearestUpsample2xBackward(dy.doubles, batch: s.batch, channels: s.channels, height: s.height, width: s.width)
        let backward = compare(dx.map { $0 - 1 }, dxRef, atol: resamplingTolerance, rtol: resamplingTolerance, name: "d/dinput")
        #expect(backward.passed, "\(s): \(backward)")
    }

    @Test("nearest resize: Double reference backward matches central differences", arguments: nearestResizeCases)
    func nearestResizeReferenceGradients(_ s: ImageCase) {
        var random = TestRandom(seed: 23)
        let x = random.uniform(s.inputCount), dy = random.uniform(s.outputCount)
        let analytic = Reference.nearestResizeBackward(dy, batch: s.batch, channels: s.channels, height: s.height, width: s.width,
                                                       outputHeight: s.outputHeight, outputWidth: s.outputWidth)
        let results = GradientCheck().check(inputs: [x], outputGradient: dy, analytic: [analytic], names: ["input"]) {
            Reference.nearestResize($0[0], batch: s.batch, channels: s.channels, height: s.height, width: s.width,
                                    outputHeight: s.outputHeight, outputWidth: s.outputWidth)
        }
        for r in results { #expect(r.passed, "\(s): \(r)") }
    }

    @Test("nearest resize: Float kernel matches the Double reference, forward and backward", arguments: nearestResizeCases)
    func nearestResizeKernel(_ s: ImageCase) {
        var random = TestRandom(seed: 24)
        let x = random.uniform(s.inputCount).floats, dy = random.uniform(s.outputCount).floats

        var y = [Float](repeating: .nan, count: s.outputCount)
        nearestResizeForward(input: x, output: &y, batch: s.batch, channels: s.channels, height: s.height, width: s.width,
                             outputHeight: s.outputHeight, outputWidth: s.outputWidth)
        let yRef = Reference.nearestResize(x.doubles, batch: s.batch, channels: s.channels, height: s.height, width: s.width,
                                           outputHeight: s.outputHeight, outputWidth: s.outputWidth)
        let forward = compare(y, yRef, atol: 0, rtol: 0, name: "output")        // a copy: exact
        #expect(forward.passed, "\(s): \(forward)")

        var dx = [Float](repeating: 1, count: s.inputCount)
        nearestResizeBackward(outputGradient: dy, inputGradient: &dx, batch: s.batch, channels: s.channels, height: s.height, width: s.width,
                              outputHeight: s.outputHeight, outputWidth: s.outputWidth)
        let dxRef = Reference.nearestResizeBackward(dy.doubles, batch: s.batch, channels: s.channels, height: s.height, width: s.width,
                                                    outputHeight: s.outputHeight, outputWidth: s.outputWidth)
        let backward = compare(dx.map { $0 - 1 }, dxRef, atol: resamplingTolerance, rtol: resamplingTolerance, name: "d/dinput")
        #expect(backward.passed, "\(s): \(backward)")
    }

    /// Legacy 'nearest' reads min(⌊d · in/out⌋, in − 1) with the scale in Float. Written out by hand:
    /// 5 → 3 reads 0, ⌊1.67⌋, ⌊3.33⌋ ('nearest-exact' would read 0, 2, 4); 3 → 7 reads
    /// ⌊0.43·d⌋; 26 → 22 reads 12 at d = 11 because Float(26)/Float(22) · 11 = 12.999999
    /// (exact arithmetic would give 13).
    @Test func sourceIndicesFollowFloatScale() {
        let expected: [(input: Int, output: Int, indices: [Int])] = [
            (5, 3, [0, 1, 3]),
            (3, 7, [0, 0, 0, 1, 1, 2, 2]),
            (26, 22, [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 20, 21, 22, 23, 24]),
        ]
        for (n, m, indices) in expected {
            let ramp = (0..<n).map(Float.init)
            var y = [Float](repeating: .nan, count: m)
            nearestResizeForward(input: ramp, output: &y, batch: 1, channels: 1, height: 1, width: n, outputHeight: 1, outputWidth: m)
            #expect(y == indices.map(Float.init), "width \(n) → \(m)")
            var column = [Float](repeating: .nan, count: m)
            nearestResizeForward(input: ramp, output: &column, batch: 1, channels: 1, height: n, width: 1, outputHeight: m, outputWidth: 1)
            #expect(column == indices.map(Float.init), "height \(n) → \(m)")
        }
    }

    @Test func upsample2xIsResizeToDoubleSize() {
        var random = TestRandom(seed: 25)
        let s = ImageCase.doubled(3, 5, 7, 6)
        let x = random.uniform(s.inputCount).floats
        var twice = [Float](repeating: .nan, count: s.outputCount), resized = twice
        nearestUpsample2xForward(input: x, output: &twice, batch: 3, channels: 5, height: 7, width: 6)
        nearestResizeForward(input: x, output: &resized, batch: 3, channels: 5, height: 7, width: 6, outputHeight: 14, outputWidth: 12)
        #expect(twice == resized)
    }
}
