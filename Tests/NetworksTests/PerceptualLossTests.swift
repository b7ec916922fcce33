import Networks
import Testing
import TestSupport

/// The batch dimension of the perceptual loss (the golden file has batch 1): every image of a
/// batch goes through the same per-image arithmetic, so a batch of two gives the mean of the
/// two single-image losses and half of each single-image gradient, to float rounding (not bit
/// for bit: OpenBLAS's kernels sum some elements of a product in an order that depends on its
/// width, and the conv products are wider with two images).
@Suite struct PerceptualLossTests {
    private struct Result {
        let terms: [Double]
        let inputGradient: [Float]
    }

    private func run(_ loss: PerceptualLoss, input: [Float], target: [Float]) -> Result {
        input.withUnsafeBufferPointer { x in
            target.withUnsafeBufferPointer { y in _ = loss.forward(input: x.baseAddress!, target: y.baseAddress!) }
        }
        var gradient = [Float](repeating: 0, count: loss.imageCount)
        gradient.withUnsafeMutableBufferPointer { loss.backward(inputGradient: $0.baseAddress!) }
        return Result(terms: loss.terms, inputGradient: gradient)
    }

    @Test func batchOfTwoIsTheMeanOfTwoSingleImages() {
        var random = TestRandom(seed: 19)
        let size = 24, count = 3 * size * size
        let x = random.uniform(count).floats, y = random.uniform(count).floats
        // Both networks draw the same torchvision-style initial weights from seed 0.
        let single = PerceptualLoss(batch: 1, height: size, width: size)
        let forward = run(single, input: x, target: y), backward = run(single, input: y, target: x)
        let pair = run(PerceptualLoss(batch: 2, height: size, width: size), input: x + y, target: y + x)

        for s in 0..<5 {
            let mean = (forward.terms[s] + backward.terms[s]) / 2
            #expect(abs(pair.terms[s] - mean) <= 1e-6 * mean, "term \(s): \(pair.terms[s]) vs \(mean)")
        }
        let halves = (forward.inputGradient + backward.inputGradient).map { $0 / 2 }
        let largest = Double(halves.map(abs).max()!)
        let comparison = compare(pair.inputGradient, halves, atol: 1e-5 * largest, rtol: 1e-5, name: "input gradient")
        #expect(comparison.passed, "\(comparison)")
        #expect(forward.inputGradient.contains { $0 != 0 })
    }
}
