import Testing
import Kernels
import TestSupport

/// A tensor shape (N, C, H, W) swept by the loss tests; losses only see its element count.
struct LossShape: Sendable, CustomTestStringConvertible {
    let batch, channels, height, width: Int
    var count: Int { batch * channels * height * width }
    var testDescription: String { "(\(batch), \(channels), \(height), \(width))" }
    init(_ batch: Int, _ channels: Int, _ height: Int, _ width: Int) {
        (self.batch, self.channels, self.height, self.width) = (batch, channels, height, width)
    }
}

/// Small shapes: odd sizes, batch 1 and 3, channels 3 / 5 / 7, and the discriminator's
/// one-channel patch scores. Small enough for central differences.
let smallLossShapes = [LossShape(1, 3, 7, 9), LossShape(3, 5, 5, 7), LossShape(3, 7, 3, 5),
                       LossShape(1, 1, 1, 1), LossShape(3, 1, 6, 6)]
/// Adds a large count, where a Float accumulator would lose about 1e-5 of the mean.
let lossShapes = smallLossShapes + [LossShape(3, 3, 128, 128), LossShape(2, 1, 62, 62)]

/// The loss weight used by the tests: not 1, so a backward that ignores it fails.
let lossWeight: Float = 2.5

// Tolerances (Float kernel vs Double reference on the same Float inputs):
// - loss values: both sides form and sum the terms in Double; the rounding of 1.5e5 Double
//   additions is at most 1.5e5 · 2⁻⁵³ ≈ 2e-11 relative, while a Float accumulator errs ~1e-6.
// - gradients: `weight / count` and the product are each rounded once in Float (≤ 2⁻²⁴ relative
//   each), and accumulating into 1 then subtracting 1 adds up to half an ulp of 1 + g.
let lossValueTolerance = 1e-10
let lossGradientAbsolute = 0x1p-23
let lossGradientRelative = 1e-6

/// Values moved at least `margin` away from every kink, so central differences are valid.
func keepingAway(_ values: [Double], from kinks: [Double], by margin: Double) -> [Double] {
    values.map { v in
        var v = v
        for k in kinks where abs(v - k) < margin { v = v < k ? k - margin : k + margin }
        return v
    }
}

/// A prediction / target pair with |input − target| ≥ 0.01 everywhere.
func separatedPair(_ count: Int, _ random: inout TestRandom) -> (input: [Double], target: [Double]) {
    let target = random.uniform(count)
    let offset = keepingAway(random.uniform(count), from: [0], by: 0.01)
    return (target.indices.map { target[$0] + offset[$0] }, target)
}

/// A Float pair where every 5th input equals its target, so the kernel meets sign(0).
func floatPair(_ count: Int, _ random: inout TestRandom) -> (input: [Float], target: [Float]) {
    let target = random.uniform(count).floats
    var input = random.uniform(count).floats
    for i in stride(from: 0, to: count, by: 5) { input[i] = target[i] }
    return (input, target)
}

/// Discriminator scores in [−2.5, 2.5] with every 7th exactly at a kink (±1).
func floatScores(_ count: Int, _ random: inout TestRandom) -> [Float] {
    var scores = random.uniform(count, in: -2.5...2.5).floats
    for i in stride(from: 0, to: count, by: 7) { scores[i] = i % 2 == 0 ? 1 : -1 }
    return scores
}

/// Checks a Float gradient that started at 1 against `1 + expected`.
func expectAccumulated(_ got: [Float], _ expected: [Double], _ label: String) {
    let r = compare(got.map { $0 - 1 }, expected, atol: lossGradientAbsolute, rtol: lossGradientRelative, name: label)
    #expect(r.passed, "\(r)")
}

/// Checks that a gradient computed alone equals the one computed together with another.
func expectIdentical(_ got: [Float], _ expected: [Float], _ label: String) {
    let r = compare(got, expected, atol: 0, rtol: 0, name: label)
    #expect(r.passed, "\(r)")
}

func expectLossValue(_ got: Double, _ expected: Double, _ label: String) {
    let r = compare([got], [expected], atol: 0, rtol: lossValueTolerance, name: label)
    #expect(r.passed, "\(r)")
}

@Suite struct LossesTests {
    // Tier 1: the loss is a one-element output whose upstream gradient is the weight, so the
    // reference backward (which includes the weight) is exactly what central differences give.

    @Test("Double reference L1 and MSE backward match central differences", arguments: smallLossShapes)
    func regressionReferenceGradients(_ shape: LossShape) {
        var random = TestRandom(seed: 31)
        let (x, t) = separatedPair(shape.count, &random)
        let weight = Double(lossWeight)
        let l1 = Reference.l1LossBackward(input: x, target: t, weight: weight)
        let mse = Reference.mseLossBackward(input: x, target: t, weight: weight)
        let checks = GradientCheck().check(inputs: [x, t], outputGradient: [weight], analytic: [l1.input, l1.target],
                                           names: ["input (L1)", "target (L1)"]) { [Reference.l1Loss(input: $0[0], target: $0[1])] }
            + GradientCheck().check(inputs: [x, t], outputGradient: [weight], analytic: [mse.input, mse.target],
                                    names: ["input (MSE)", "target (MSE)"]) { [Reference.mseLoss(input: $0[0], target: $0[1])] }
        for r in checks { #expect(r.passed, "\(shape.testDescription): \(r)") }
    }

    @Test("Double reference hinge backward matches central differences", arguments: smallLossShapes)
    func hingeReferenceGradients(_ shape: LossShape) {
        var random = TestRandom(seed: 32)
        let scores = keepingAway(random.uniform(shape.count, in: -2.5...2.5), from: [-1, 1], by: 0.01)
        let weight = Double(lossWeight)
        var checks: [Comparison] = []
        for target in [HingeTarget.real, .fake] {
            checks += GradientCheck().check(
                inputs: [scores], outputGradient: [weight],
                analytic: [Reference.discriminatorHingeLossBackward(scores: scores, target: target, weight: weight)],
                names: ["scores (D, \(target))"]) { [Reference.discriminatorHingeLoss(scores: $0[0], target: target)] }
        }
        checks += GradientCheck().check(
            inputs: [scores], outputGradient: [weight],
            analytic: [Reference.generatorHingeLossBackward(scores: scores, weight: weight)],
            names: ["scores (G)"]) { [Reference.generatorHingeLoss(scores: $0[0])] }
        for r in checks { #expect(r.passed, "\(shape.testDescription): \(r)") }
    }

    // Tier 2: Float kernels against the Double reference on the same Float inputs.

    @Test("Float L1 loss matches the Double reference, value and gradients", arguments: lossShapes)
    func l1MatchesReference(_ shape: LossShape) {
        var random = TestRandom(seed: 33)
        let n = shape.count
        let (x, t) = floatPair(n, &random)
        let label = "L1 \(shape.testDescription)"
        expectLossValue(l1LossForward(input: x, target: t, count: n), Reference.l1Loss(input: x.doubles, target: t.doubles), label)

        let ref = Reference.l1LossBackward(input: x.doubles, target: t.doubles, weight: Double(lossWeight))
        var dx = [Float](repeating: 1, count: n), dt = [Float](repeating: 1, count: n)
        l1LossBackward(input: x, target: t, count: n, weight: lossWeight, inputGradient: &dx, targetGradient: &dt)
        expectAccumulated(dx, ref.input, "\(label) d/dinput")
        expectAccumulated(dt, ref.target, "\(label) d/dtarget")

        var onlyInput = [Float](repeating: 1, count: n), onlyTarget = [Float](repeating: 1, count: n)
        l1LossBackward(input: x, target: t, count: n, weight: lossWeight, inputGradient: &onlyInput, targetGradient: nil)
        l1LossBackward(input: x, target: t, count: n, weight: lossWeight, inputGradient: nil, targetGradient: &onlyTarget)
        expectIdentical(onlyInput, dx, "\(label) d/dinput with targetGradient nil")
        expectIdentical(onlyTarget, dt, "\(label) d/dtarget with inputGradient nil")
    }

    @Test("Float MSE loss matches the Double reference, value and gradients", arguments: lossShapes)
    func mseMatchesReference(_ shape: LossShape) {
        var random = TestRandom(seed: 34)
        let n = shape.count
        let (x, t) = floatPair(n, &random)
        let label = "MSE \(shape.testDescription)"
        expectLossValue(mseLossForward(input: x, target: t, count: n), Reference.mseLoss(input: x.doubles, target: t.doubles), label)

        let ref = Reference.mseLossBackward(input: x.doubles, target: t.doubles, weight: Double(lossWeight))
        var dx = [Float](repeating: 1, count: n), dt = [Float](repeating: 1, count: n)
        mseLossBackward(input: x, target: t, count: n, weight: lossWeight, inputGradient: &dx, targetGradient: &dt)
        expectAccumulated(dx, ref.input, "\(label) d/dinput")
        expectAccumulated(dt, ref.target, "\(label) d/dtarget")

        var onlyInput = [Float](repeating: 1, count: n), onlyTarget = [Float](repeating: 1, count: n)
        mseLossBackward(input: x, target: t, count: n, weight: lossWeight, inputGradient: &onlyInput, targetGradient: nil)
        mseLossBackward(input: x, target: t, count: n, weight: lossWeight, inputGradient: nil, targetGradient: &onlyTarget)
        expectIdentical(onlyInput, dx, "\(label) d/dinput with targetGradient nil")
        expectIdentical(onlyTarget, dt, "\(label) d/dtarget with inputGradient nil")
    }

    @Test("Float hinge losses match the Double reference, value and gradients", arguments: lossShapes)
    func hingeMatchesReference(_ shape: LossShape) {
        var random = TestRandom(seed: 35)
        let n = shape.count
        let scores = floatScores(n, &random)
        for target in [HingeTarget.real, .fake] {
            let label = "D hinge \(target) \(shape.testDescription)"
            expectLossValue(discriminatorHingeLossForward(scores: scores, count: n, target: target),
                            Reference.discriminatorHingeLoss(scores: scores.doubles, target: target), label)
            var ds = [Float](repeating: 1, count: n)
            discriminatorHingeLossBackward(scores: scores, count: n, target: target, weight: lossWeight, scoresGradient: &ds)
            expectAccumulated(ds, Reference.discriminatorHingeLossBackward(scores: scores.doubles, target: target,
                                                                           weight: Double(lossWeight)), "\(label) d/dscores")
        }
        let label = "G hinge \(shape.testDescription)"
        expectLossValue(generatorHingeLossForward(scores: scores, count: n), Reference.generatorHingeLoss(scores: scores.doubles), label)
        var ds = [Float](repeating: 1, count: n)
        generatorHingeLossBackward(count: n, weight: lossWeight, scoresGradient: &ds)
        expectAccumulated(ds, Reference.generatorHingeLossBackward(scores: scores.doubles, weight: Double(lossWeight)),
                          "\(label) d/dscores")
    }

    @Test func knownValues() {
        // Worked by hand from the PyTorch definitions.
        let x: [Float] = [1, 2, 0.5, -2], t: [Float] = [0, 4, 0.5, -1]
        #expect(l1LossForward(input: x, target: t, count: 4) == (1 + 2 + 0 + 1) / 4.0)
        #expect(mseLossForward(input: x, target: t, count: 4) == (1 + 4 + 0 + 1) / 4.0)
        var dx = [Float](repeating: 0, count: 4)
        l1LossBackward(input: x, target: t, count: 4, weight: 100, inputGradient: &dx, targetGradient: nil)
        #expect(dx == [25, -25, 0, -25])

        let scores: [Float] = [0.5, -2, 1.5, 1, -1]
        #expect(discriminatorHingeLossForward(scores: scores, count: 5, target: .real) == (0.5 + 3 + 0 + 0 + 2) / 5.0)
        #expect(discriminatorHingeLossForward(scores: scores, count: 5, target: .fake) == (1.5 + 0 + 2.5 + 2 + 0) / 5.0)
        #expect(generatorHingeLossForward(scores: [0.5, 2, 1.5], count: 3) == -4 / 3.0)
        var real = [Float](repeating: 0, count: 5), fake = [Float](repeating: 0, count: 5)
        discriminatorHingeLossBackward(scores: scores, count: 5, target: .real, weight: 5, scoresGradient: &real)
        discriminatorHingeLossBackward(scores: scores, count: 5, target: .fake, weight: 5, scoresGradient: &fake)
        #expect(real == [-1, -1, 0, 0, -1])
        #expect(fake == [1, 0, 1, 1, 0])
    }
}
