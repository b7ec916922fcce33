import Testing
import Tensors
import Optimizers

@Suite struct ExponentialMovingAverageTests {
    @Test func movesTowardCurrentByOneMinusDecay() {
        let average = Arena(count: 3), current = Arena(count: 3)
        average.copy([1, 2, 3], into: Slot(offset: 0, count: 3))
        current.copy([11, 2, -7], into: Slot(offset: 0, count: 3))
        updateExponentialMovingAverage(average, toward: current, decay: 0.9)
        let got = average.array(Slot(offset: 0, count: 3))
        let expected: [Float] = [2, 2, 2]
        for i in 0..<3 { #expect(abs(got[i] - expected[i]) < 1e-6, "element \(i): \(got[i])") }
    }
}
