import Testing
import Kernels
import TestSupport

/// Even and odd sizes (an odd last row / column belongs to no window), batch 1 and 3,
/// channels 3 / 5 / 7, the smallest input 2×2.
let maxPoolCases: [ImageCase] = [
    .halved(1, 3, 4, 6), .halved(3, 5, 7, 9), .halved(1, 7, 9, 8), .halved(3, 3, 2, 2), .halved(1, 5, 5, 3),
]

/// Distinct values (a shuffled ramp in [−0.5, 0.5), steps 1/count ≥ 5e-4 ≫ the 1e-6 difference
/// step), so no window has a tie and the max is differentiable.
func tieFreeValues(_ count: Int, using random: inout TestRandom) -> [Double] {
    (0..<count).map { Double($0) / Double(count) - 0.5 }.shuffled(using: &random)
}

@Suite struct PoolingTests {
    @Test("max-pool 2×2: Double reference backward matches central differences", arguments: maxPoolCases)
    func referenceGradients(_ s: ImageCase) {
        var random = TestRandom(seed: 41)
        let x = tieFreeValues(s.inputCount, using: &random), dy = random.uniform(s.outputCount)
        let analytic = Reference.maxPool2x2Backward(input: x, outputGradient: dy, batch: s.batch, channels: s.channels,
                                                    height: s.height, width: s.width)
        let results = GradientCheck().check(inputs: [x], outputGradient: dy, analytic: [analytic], names: ["input"]) {
            Reference.maxPool2x2($0[0], batch: s.batch, channels: s.channels, height: s.height, width: s.width)
        }
        for r in results { #expect(r.passed, "\(s): \(r)") }
    }

    @Test("max-pool 2×2: Float kernel matches the Double reference, forward and backward", arguments: maxPoolCases)
    func kernelMatchesReference(_ s: ImageCase) {
        var random = TestRandom(seed: 42)
        let x = tieFreeValues(s.inputCount, using: &random).floats, dy = random.uniform(s.outputCount).floats

        var y = [Float](repeating: .nan, count: s.outputCount)
        maxPool2x2Forward(input: x, output: &y, batch: s.batch, channels: s.channels, height: s.height, width: s.width)
        let yRef = Reference.maxPool2x2(x.doubles, batch: s.batch, channels: s.channels, height: s.height, width: s.width)
        let forward = compare(y, yRef, atol: 0, rtol: 0, name: "output")        // a selection: exact
        #expect(forward.passed, "\(s): \(forward)")

        // Backward accumulates: start at 1 and subtract it afterwards. Windows are disjoint, so
        // each element gains at most one dy; only the rounding of 1 + dy (≤ 1.2e-7) remains.
        var dx = [Float](repeating: 1, count: s.inputCount)
        maxPool2x2Backward(input: x, outputGradient: dy, inputGradient: &dx, batch: s.batch, channels: s.channels,
                           height: s.height, width: s.width)
        let dxRef = Reference.maxPool2x2Backward(input: x.doubles, outputGradient: dy.doubles, batch: s.batch,
                                                 channels: s.channels, height: s.height, width: s.width)
        let backward = compare(dx.map { $0 - 1 }, dxRef, atol: 2e-7, rtol: 0, name: "d/dinput")
        #expect(backward.passed, "\(s): \(backward)")
    }

    /// Ties go to the first maximum in row-major window order, and a NaN wins its window, as
    /// PyTorch's `(val > maxval) || isnan(val)` scan. Plane 2×6 with windows
    /// [[5, 5], [5, 5]] → (0, 0); [[1, 3], [3, 2]] → (0, 3); [[1, .nan], [3, 2]] → (0, 5).
    @Test func tiesGoToTheFirstMaximum() {
        let x: [Float] = [5, 5, 1, 3, 1, .nan,
                          5, 5, 3, 2, 3, 2]
        var y = [Float](repeating: 0, count: 3)
        maxPool2x2Forward(input: x, output: &y, batch: 1, channels: 1, height: 2, width: 6)
        #expect(y[0] == 5 && y[1] == 3 && y[2].isNaN)
        var dx = [Float](repeating: 1, count: 12)
        maxPool2x2Backward(input: x, outputGradient: [10, 20, 30], inputGradient: &dx, batch: 1, channels: 1, height: 2, width: 6)
        #expect(dx == [11, 1, 1, 21, 1, 31,
                       1, 1, 1, 1, 1, 1])
    }
}
