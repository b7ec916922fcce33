import Testing
import Kernels
import TestSupport

/// Batch 1 and 3 (and 2), channels 3 / 5 / 7, odd H and W; every plane has more than one
/// element, as instance norm requires.
let instanceNormShapes: [ActivationShape] = [
    ActivationShape(1, 3, 5, 7),
    ActivationShape(3, 5, 7, 5),
    ActivationShape(1, 7, 3, 3),
    ActivationShape(3, 3, 1, 2),
    ActivationShape(1, 5, 1, 9),
    ActivationShape(3, 7, 5, 9),
    ActivationShape(2, 3, 11, 13),
]

@Suite struct InstanceNorm2dTests {
    @Test("Double reference backward matches central differences", arguments: instanceNormShapes)
    func referenceGradients(_ s: ActivationShape) {
        var random = TestRandom(seed: 31)
        let x = random.uniform(s.count, in: -2...3), w = random.uniform(s.channels, in: 0.5...1.5)
        let b = random.uniform(s.channels), dy = random.uniform(s.count)
        let analytic = Reference.instanceNorm2dBackward(input: x, weight: w, outputGradient: dy,
                                                        batch: s.batch, channels: s.channels, plane: s.plane)
        let results = GradientCheck().check(
            inputs: [x, w, b], outputGradient: dy, analytic: [analytic.input, analytic.weight, analytic.bias],
            names: ["input", "weight", "bias"]) {
                Reference.instanceNorm2d(input: $0[0], weight: $0[1], bias: $0[2],
                                         batch: s.batch, channels: s.channels, plane: s.plane).output
            }
        for r in results { #expect(r.passed, "\(s.testDescription): \(r)") }
    }

    @Test("Float kernel matches the reference: output, statistics, gradients", arguments: instanceNormShapes)
    func kernelMatchesReference(_ s: ActivationShape) {
        var random = TestRandom(seed: 32)
        check(s, input: random.uniform(s.count, in: -2...3).floats, random: &random)
    }

    /// Every plane near 1000 with a spread of ±1: a Float Σx²/P − mean² would lose the variance.
    @Test("Statistics stay accurate for inputs with a large mean", arguments: [ActivationShape(3, 5, 7, 9), ActivationShape(1, 3, 5, 7)])
    func largeMean(_ s: ActivationShape) {
        var random = TestRandom(seed: 33)
        let x = random.uniform(s.count).map { 1000 + $0 }.floats
        check(s, input: x, random: &random)
    }

    /// Runs the forward and backward on `input` and compares everything with the reference,
    /// allowing for the mean's Float rounding (`meanRoundingBound`).
    private func check(_ s: ActivationShape, input x: [Float], random: inout TestRandom) {
        let (n, c, p) = (s.batch, s.channels, s.plane)
        let w = random.uniform(c, in: 0.5...1.5).floats, b = random.uniform(c).floats
        let dy = random.uniform(s.count).floats

        var y = [Float](repeating: .nan, count: s.count)
        var mean = [Float](repeating: .nan, count: n * c), invStd = [Float](repeating: .nan, count: n * c)
        instanceNorm2dForward(batch: n, channels: c, plane: p, input: x, weight: w, bias: b,
                              output: &y, savedMean: &mean, savedInverseStd: &invStd)
        let ref = Reference.instanceNorm2d(input: x.doubles, weight: w.doubles, bias: b.doubles,
                                           batch: n, channels: c, plane: p)
        let refInvStd = ref.variance.map { 1 / ($0 + 1e-5).squareRoot() }
        let bound = meanRoundingBound(input: x.doubles, outputGradient: dy.doubles, weight: w.doubles, mean: ref.mean,
                                      inverseStd: refInvStd, groupOf: { $0 / p }, channelOf: { $0 % c })
        for r in [compare(y, ref.output, atol: 1e-5 + bound.output, rtol: 1e-5, name: "output"),
                  compare(mean, ref.mean, atol: 1e-6, rtol: 1e-6, name: "saved mean"),
                  compare(invStd, refInvStd, atol: 0, rtol: 1e-6, name: "saved 1/std")] {
            #expect(r.passed, "\(s.testDescription): \(r)")
        }

        var dx = [Float](repeating: 1, count: s.count)
        var dw = [Float](repeating: 1, count: c), db = [Float](repeating: 1, count: c)
        instanceNorm2dBackward(batch: n, channels: c, plane: p, input: x, weight: w, outputGradient: dy,
                               savedMean: mean, savedInverseStd: invStd,
                               inputGradient: &dx, weightGradient: &dw, biasGradient: &db)
        let g = Reference.instanceNorm2dBackward(input: x.doubles, weight: w.doubles, outputGradient: dy.doubles,
                                                 batch: n, channels: c, plane: p)
        for r in [compareAccumulatedGradient(dx, g.input, extra: bound.inputGradient, name: "d/dinput"),
                  compareAccumulatedGradient(dw, g.weight, extra: bound.weightGradient, name: "d/dweight"),
                  compareAccumulatedGradient(db, g.bias, name: "d/dbias")] {
            #expect(r.passed, "\(s.testDescription): \(r)")
        }
    }

    @Test("Nil gradients are skipped")
    func nilGradients() {
        let s = ActivationShape(3, 5, 7, 5)
        let (n, c, p) = (s.batch, s.channels, s.plane)
        var random = TestRandom(seed: 34)
        let x = random.uniform(s.count).floats, dy = random.uniform(s.count).floats
        let w = random.uniform(c, in: 0.5...1.5).floats, b = random.uniform(c).floats
        var y = [Float](repeating: 0, count: s.count)
        var mean = [Float](repeating: 0, count: n * c), invStd = [Float](repeating: 0, count: n * c)
        instanceNorm2dForward(batch: n, channels: c, plane: p, input: x, weight: w, bias: b,
                              output: &y, savedMean: &mean, savedInverseStd: &invStd)
        var all = [Float](repeating: 0, count: s.count), only = [Float](repeating: 0, count: s.count)
        var dw = [Float](repeating: 0, count: c), db = [Float](repeating: 0, count: c)
        instanceNorm2dBackward(batch: n, channels: c, plane: p, input: x, weight: w, outputGradient: dy,
                               savedMean: mean, savedInverseStd: invStd,
                               inputGradient: &all, weightGradient: &dw, biasGradient: &db)
        instanceNorm2dBackward(batch: n, channels: c, plane: p, input: x, weight: w, outputGradient: dy,
                               savedMean: mean, savedInverseStd: invStd,
                               inputGradient: &only, weightGradient: nil, biasGradient: nil)
        #expect(all == only)
    }

    /// PyTorch raises "Expected more than 1 spatial element when training" for H·W = 1.
    @Test("A single spatial element is a precondition failure")
    func singleSpatialElement() async {
        await #expect(processExitsWith: .failure) {
            let x: [Float] = [1, 2, 3], w: [Float] = [1, 1, 1], b: [Float] = [0, 0, 0]
            var y: [Float] = [0, 0, 0], mean: [Float] = [0, 0, 0], invStd: [Float] = [0, 0, 0]
            instanceNorm2dForward(batch: 1, channels: 3, plane: 1, input: x, weight: w, bias: b,
                                  output: &y, savedMean: &mean, savedInverseStd: &invStd)
        }
    }
}
