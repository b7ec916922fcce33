import Testing
import Kernels
import TestSupport

/// An (N, C, H, W) shape for the normalization and activation tests.
struct ActivationShape: CustomTestStringConvertible, Sendable {
    let batch: Int, channels: Int, height: Int, width: Int
    init(_ batch: Int, _ channels: Int, _ height: Int, _ width: Int) {
        (self.batch, self.channels, self.height, self.width) = (batch, channels, height, width)
    }
    var plane: Int { height * width }
    var count: Int { batch * channels * plane }
    var testDescription: String { "(\(batch), \(channels), \(height), \(width))" }
}

/// Batch 1 and 3 (and 2), channels 3 / 5 / 7, odd H and W, 1×1 and single-row planes.
/// Every shape has N·H·W > 1, as BatchNorm training requires.
let batchNormShapes: [ActivationShape] = [
    ActivationShape(1, 3, 5, 7),
    ActivationShape(3, 5, 7, 5),
    ActivationShape(1, 7, 3, 3),
    ActivationShape(3, 3, 1, 1),
    ActivationShape(1, 5, 1, 9),
    ActivationShape(3, 7, 5, 9),
    ActivationShape(2, 3, 11, 13),
]

/// Largest magnitude of a reference tensor.
func maxMagnitude(_ values: [Double]) -> Double { values.reduce(0) { max($0, abs($1)) } }

/// Compares a gradient that started at 1 (to prove the kernel accumulates) with the reference.
///
/// Tolerance: the norm gradients are differences of terms as large as the largest gradient
/// (dx = k·(dy − mean dy − xHat·mean(dy·xHat)) cancels), so Float rounding is relative to the
/// tensor's scale, not to each element: atol = 1e-5·max(1, max|ref|) (the 1 covers the
/// pre-filled 1, whose ulp is 1.2e-7), rtol = 1e-5; `extra` adds a derived error bound.
func compareAccumulatedGradient(_ got: [Float], _ expected: [Double], extra: Double = 0,
                                name: String) -> Comparison {
    compare(got.map { Double($0) - 1 }, expected,
            atol: 1e-5 * max(1, maxMagnitude(expected)) + extra, rtol: 1e-5, name: name)
}

/// The error the norm kernels inherit from storing each mean as Float (as PyTorch's
/// `save_mean`): it is off by up to half an ulp, which shifts every xHat of its group (a
/// channel in BatchNorm, an (n, c) plane in InstanceNorm) by δ = invStd·ulp(mean)/2. With M
/// elements in the group that moves y by |γ|·δ, dγ = Σdy·xHat by δ·Σ|dy|, and
/// dx = k·(dy − Σdy/M − xHat·Σdy·xHat/M) by |k|·δ·(|Σdy·xHat| + max|xHat|·|Σdy|)/M, k = γ·invStd.
/// Negligible for centred data; it dominates for a large mean or a tiny spread.
func meanRoundingBound(input x: [Double], outputGradient dy: [Double], weight: [Double],
                       mean: [Double], inverseStd: [Double], groupOf: (Int) -> Int,
                       channelOf: (Int) -> Int) -> (output: Double, weightGradient: Double, inputGradient: Double) {
    let groups = mean.count
    var sumDy = [Double](repeating: 0, count: groups), sumDyXHat = sumDy, sumAbsDy = sumDy, xHatMax = sumDy, size = sumDy
    for j in x.indices {
        let g = groupOf(j), xHat = (x[j] - mean[g]) * inverseStd[g]
        sumDy[g] += dy[j]
        sumDyXHat[g] += dy[j] * xHat
        sumAbsDy[g] += abs(dy[j])
        xHatMax[g] = max(xHatMax[g], abs(xHat))
        size[g] += 1
    }
    var output = 0.0, input = 0.0, perChannel = [Double](repeating: 0, count: weight.count)
    for g in 0..<groups {
        let c = channelOf(g), delta = inverseStd[g] * Double(Float(mean[g]).ulp) / 2
        output = max(output, abs(weight[c]) * delta)
        perChannel[c] += delta * sumAbsDy[g]
        input = max(input, abs(weight[c]) * inverseStd[g] * delta * (abs(sumDyXHat[g]) + xHatMax[g] * abs(sumDy[g])) / size[g])
    }
    return (output, perChannel.max()!, input)
}

@Suite struct BatchNorm2dTests {
    @Test("Double reference training backward matches central differences", arguments: batchNormShapes)
    func referenceTrainingGradients(_ s: ActivationShape) {
        var random = TestRandom(seed: 21)
        let x = random.uniform(s.count, in: -2...3), w = random.uniform(s.channels, in: 0.5...1.5)
        let b = random.uniform(s.channels), dy = random.uniform(s.count)
        let analytic = Reference.batchNorm2dTrainingBackward(input: x, weight: w, outputGradient: dy,
                                                             batch: s.batch, channels: s.channels, plane: s.plane)
        let results = GradientCheck().check(
            inputs: [x, w, b], outputGradient: dy, analytic: [analytic.input, analytic.weight, analytic.bias],
            names: ["input", "weight", "bias"]) {
                Reference.batchNorm2dTraining(input: $0[0], weight: $0[1], bias: $0[2],
                                              batch: s.batch, channels: s.channels, plane: s.plane).output
            }
        for r in results { #expect(r.passed, "\(s.testDescription): \(r)") }
    }

    @Test("Double reference eval backward matches central differences", arguments: batchNormShapes)
    func referenceEvalGradients(_ s: ActivationShape) {
        var random = TestRandom(seed: 22)
        let x = random.uniform(s.count, in: -2...3), w = random.uniform(s.channels, in: 0.5...1.5)
        let b = random.uniform(s.channels), dy = random.uniform(s.count)
        let rm = random.uniform(s.channels), rv = random.uniform(s.channels, in: 0.5...2)
        let analytic = Reference.batchNorm2dEvalBackward(input: x, weight: w, runningMean: rm, runningVariance: rv,
                                                         outputGradient: dy, batch: s.batch, channels: s.channels,
                                                         plane: s.plane)
        let results = GradientCheck().check(
            inputs: [x, w, b], outputGradient: dy, analytic: [analytic.input, analytic.weight, analytic.bias],
            names: ["input", "weight", "bias"]) {
                Reference.batchNorm2dEval(input: $0[0], weight: $0[1], bias: $0[2], runningMean: rm,
                                          runningVariance: rv, batch: s.batch, channels: s.channels, plane: s.plane)
            }
        for r in results { #expect(r.passed, "\(s.testDescription): \(r)") }
    }

    @Test("Float training kernel matches the reference: output, statistics, running statistics, gradients",
          arguments: batchNormShapes)
    func trainingKernelMatchesReference(_ s: ActivationShape) {
        var random = TestRandom(seed: 23)
        let x = random.uniform(s.count, in: -2...3).floats
        check(s, input: x, random: &random)
    }

    /// A mean of 1000 with a spread of ±1: Σx²/M − mean² in Float loses everything (an ulp of
    /// Σx²/M ≈ 1e6 is 0.06 against a variance of 1/3), so the statistics prove the accumulation.
    @Test("Statistics stay accurate for inputs with a large mean", arguments: [ActivationShape(3, 5, 7, 9), ActivationShape(1, 3, 5, 7)])
    func largeMean(_ s: ActivationShape) {
        var random = TestRandom(seed: 24)
        let x = random.uniform(s.count).map { 1000 + $0 }.floats
        check(s, input: x, random: &random)
    }

    /// Runs the training forward and backward on `input` and compares everything with the
    /// reference, allowing for the mean's Float rounding (`meanRoundingBound`).
    private func check(_ s: ActivationShape, input x: [Float], random: inout TestRandom) {
        let (n, c, p) = (s.batch, s.channels, s.plane)
        let w = random.uniform(c, in: 0.5...1.5).floats, b = random.uniform(c).floats
        let runningMean0 = random.uniform(c).floats, runningVariance0 = random.uniform(c, in: 0.5...2).floats
        let dy = random.uniform(s.count).floats

        var y = [Float](repeating: .nan, count: s.count)
        var mean = [Float](repeating: .nan, count: c), invStd = [Float](repeating: .nan, count: c)
        var runningMean = runningMean0, runningVariance = runningVariance0
        batchNorm2dTrainingForward(batch: n, channels: c, plane: p, input: x, weight: w, bias: b,
                                   runningMean: &runningMean, runningVariance: &runningVariance,
                                   output: &y, savedMean: &mean, savedInverseStd: &invStd)
        let ref = Reference.batchNorm2dTraining(input: x.doubles, weight: w.doubles, bias: b.doubles,
                                                batch: n, channels: c, plane: p)
        let refInvStd = ref.variance.map { 1 / ($0 + 1e-5).squareRoot() }
        let bound = meanRoundingBound(input: x.doubles, outputGradient: dy.doubles, weight: w.doubles, mean: ref.mean,
                                      inverseStd: refInvStd, groupOf: { $0 / p % c }, channelOf: { $0 })
        let running = Reference.batchNorm2dRunningStatistics(
            runningMean: runningMean0.doubles, runningVariance: runningVariance0.doubles,
            mean: ref.mean, variance: ref.variance, count: n * p)
        // Statistics are computed in Double and rounded once to Float: 1e-6 relative is tight.
        let results = [
            compare(y, ref.output, atol: 1e-5 + bound.output, rtol: 1e-5, name: "output"),
            compare(mean, ref.mean, atol: 1e-6, rtol: 1e-6, name: "saved mean"),
            compare(invStd, refInvStd, atol: 0, rtol: 1e-6, name: "saved 1/std"),
            compare(runningMean, running.mean, atol: 1e-6, rtol: 1e-6, name: "running mean"),
            compare(runningVariance, running.variance, atol: 0, rtol: 1e-6, name: "running var"),
        ]
        for r in results { #expect(r.passed, "\(s.testDescription): \(r)") }

        var dx = [Float](repeating: 1, count: s.count)
        var dw = [Float](repeating: 1, count: c), db = [Float](repeating: 1, count: c)
        batchNorm2dTrainingBackward(batch: n, channels: c, plane: p, input: x, weight: w, outputGradient: dy,
                                    savedMean: mean, savedInverseStd: invStd,
                                    inputGradient: &dx, weightGradient: &dw, biasGradient: &db)
        let g = Reference.batchNorm2dTrainingBackward(input: x.doubles, weight: w.doubles, outputGradient: dy.doubles,
                                                      batch: n, channels: c, plane: p)
        for r in [compareAccumulatedGradient(dx, g.input, extra: bound.inputGradient, name: "d/dinput"),
                  compareAccumulatedGradient(dw, g.weight, extra: bound.weightGradient, name: "d/dweight"),
                  compareAccumulatedGradient(db, g.bias, name: "d/dbias")] {
            #expect(r.passed, "\(s.testDescription): \(r)")
        }
    }

    @Test("Float eval kernel matches the reference, forward and backward", arguments: batchNormShapes)
    func evalKernelMatchesReference(_ s: ActivationShape) {
        let (n, c, p) = (s.batch, s.channels, s.plane)
        var random = TestRandom(seed: 25)
        let x = random.uniform(s.count, in: -2...3).floats, dy = random.uniform(s.count).floats
        let w = random.uniform(c, in: 0.5...1.5).floats, b = random.uniform(c).floats
        let rm = random.uniform(c).floats, rv = random.uniform(c, in: 0.5...2).floats

        var y = [Float](repeating: .nan, count: s.count)
        batchNorm2dEvalForward(batch: n, channels: c, plane: p, input: x, weight: w, bias: b,
                               runningMean: rm, runningVariance: rv, output: &y)
        let yRef = Reference.batchNorm2dEval(input: x.doubles, weight: w.doubles, bias: b.doubles,
                                             runningMean: rm.doubles, runningVariance: rv.doubles,
                                             batch: n, channels: c, plane: p)
        let forward = compare(y, yRef, atol: 1e-5, rtol: 1e-5, name: "output")
        #expect(forward.passed, "\(s.testDescription): \(forward)")

        var dx = [Float](repeating: 1, count: s.count)
        var dw = [Float](repeating: 1, count: c), db = [Float](repeating: 1, count: c)
        batchNorm2dEvalBackward(batch: n, channels: c, plane: p, input: x, weight: w, runningMean: rm,
                                runningVariance: rv, outputGradient: dy,
                                inputGradient: &dx, weightGradient: &dw, biasGradient: &db)
        let g = Reference.batchNorm2dEvalBackward(input: x.doubles, weight: w.doubles, runningMean: rm.doubles,
                                                  runningVariance: rv.doubles, outputGradient: dy.doubles,
                                                  batch: n, channels: c, plane: p)
        for r in [compareAccumulatedGradient(dx, g.input, name: "d/dinput"),
                  compareAccumulatedGradient(dw, g.weight, name: "d/dweight"),
                  compareAccumulatedGradient(db, g.bias, name: "d/dbias")] {
            #expect(r.passed, "\(s.testDescription): \(r)")
        }
    }

    /// The synchronized-BatchNorm seam: on one rank the two phases are the one-call kernels
    /// exactly; split over two "ranks" (samples [0, 1) and [1, N)) with the sums added, as an
    /// allreduce would, they give the whole batch's results up to summation order.
    @Test("Two-phase kernels with added sums equal the one-call kernels",
          arguments: batchNormShapes.filter { $0.batch > 1 })
    func twoPhasesMatchOneCall(_ s: ActivationShape) {
        let (n, c, p) = (s.batch, s.channels, s.plane)
        var random = TestRandom(seed: 26)
        let x = random.uniform(s.count, in: -2...3).floats, dy = random.uniform(s.count).floats
        let w = random.uniform(c, in: 0.5...1.5).floats, b = random.uniform(c).floats
        let runningMean0 = random.uniform(c).floats, runningVariance0 = random.uniform(c, in: 0.5...2).floats

        // One call over the whole batch.
        var y = [Float](repeating: .nan, count: s.count)
        var mean = [Float](repeating: .nan, count: c), invStd = [Float](repeating: .nan, count: c)
        var runningMean = runningMean0, runningVariance = runningVariance0
        batchNorm2dTrainingForward(batch: n, channels: c, plane: p, input: x, weight: w, bias: b,
                                   runningMean: &runningMean, runningVariance: &runningVariance,
                                   output: &y, savedMean: &mean, savedInverseStd: &invStd)
        var dx = [Float](repeating: 0, count: s.count)
        var dw = [Float](repeating: 0, count: c), db = [Float](repeating: 0, count: c)
        batchNorm2dTrainingBackward(batch: n, channels: c, plane: p, input: x, weight: w, outputGradient: dy,
                                    savedMean: mean, savedInverseStd: invStd,
                                    inputGradient: &dx, weightGradient: &dw, biasGradient: &db)

        // Both phases on one rank: bit for bit the same.
        do {
            var sums = [Double](repeating: .nan, count: 2 * c)
            var y1 = [Float](repeating: .nan, count: s.count)
            var mean1 = [Float](repeating: .nan, count: c), invStd1 = [Float](repeating: .nan, count: c)
            var runningMean1 = runningMean0, runningVariance1 = runningVariance0
            batchNorm2dForwardSums(batch: n, channels: c, plane: p, input: x, sums: &sums)
            batchNorm2dForwardFromSums(batch: n, channels: c, plane: p, sums: sums, count: n * p, input: x,
                                       weight: w, bias: b, runningMean: &runningMean1, runningVariance: &runningVariance1,
                                       output: &y1, savedMean: &mean1, savedInverseStd: &invStd1)
            #expect(y1 == y && mean1 == mean && invStd1 == invStd)
            #expect(runningMean1 == runningMean && runningVariance1 == runningVariance)
            var dx1 = [Float](repeating: 0, count: s.count)
            var dw1 = [Float](repeating: 0, count: c), db1 = [Float](repeating: 0, count: c)
            batchNorm2dBackwardSums(batch: n, channels: c, plane: p, input: x, outputGradient: dy,
                                    savedMean: mean, savedInverseStd: invStd,
                                    weightGradient: &dw1, biasGradient: &db1, sums: &sums)
            batchNorm2dBackwardFromSums(batch: n, channels: c, plane: p, sums: sums, count: n * p, input: x,
                                        weight: w, outputGradient: dy, savedMean: mean, savedInverseStd: invStd,
                                        inputGradient: &dx1)
            #expect(dx1 == dx && dw1 == dw && db1 == db)
        }

        // Two ranks: rank 0 holds sample 0, rank 1 the rest.
        let split = c * p
        let parts = [0..<split, split..<s.count]
        let batches = [1, n - 1]
        var forwardSums = [Double](repeating: 0, count: 2 * c)
        for r in 0..<2 {
            var local = [Double](repeating: .nan, count: 2 * c)
            batchNorm2dForwardSums(batch: batches[r], channels: c, plane: p, input: Array(x[parts[r]]), sums: &local)
            for i in 0..<2 * c { forwardSums[i] += local[i] }
        }
        var y2 = [Float](), dx2 = [Float]()
        var dw2 = [Float](repeating: 0, count: c), db2 = [Float](repeating: 0, count: c)
        var savedMeans: [[Float]] = [], savedInverseStds: [[Float]] = []
        for r in 0..<2 {
            var yr = [Float](repeating: .nan, count: parts[r].count)
            var meanR = [Float](repeating: .nan, count: c), invStdR = [Float](repeating: .nan, count: c)
            var runningMeanR = runningMean0, runningVarianceR = runningVariance0
            batchNorm2dForwardFromSums(batch: batches[r], channels: c, plane: p, sums: forwardSums, count: n * p,
                                       input: Array(x[parts[r]]), weight: w, bias: b,
                                       runningMean: &runningMeanR, runningVariance: &runningVarianceR,
                                       output: &yr, savedMean: &meanR, savedInverseStd: &invStdR)
            y2 += yr
            savedMeans.append(meanR)
            savedInverseStds.append(invStdR)
            for (name, got, expected) in [("running mean", runningMeanR, runningMean), ("running var", runningVarianceR, runningVariance)] {
                let cmp = compare(got, expected.doubles, atol: 1e-6, rtol: 1e-6, name: "rank \(r) \(name)")
                #expect(cmp.passed, "\(s.testDescription): \(cmp)")
            }
        }
        var backwardSums = [Double](repeating: 0, count: 2 * c)
        for r in 0..<2 {
            var local = [Double](repeating: .nan, count: 2 * c)
            batchNorm2dBackwardSums(batch: batches[r], channels: c, plane: p, input: Array(x[parts[r]]),
                                    outputGradient: Array(dy[parts[r]]), savedMean: savedMeans[r],
                                    savedInverseStd: savedInverseStds[r],
                                    weightGradient: &dw2, biasGradient: &db2, sums: &local)
            for i in 0..<2 * c { backwardSums[i] += local[i] }
        }
        for r in 0..<2 {
            var dxr = [Float](repeating: 0, count: parts[r].count)
            batchNorm2dBackwardFromSums(batch: batches[r], channels: c, plane: p, sums: backwardSums, count: n * p,
                                        input: Array(x[parts[r]]), weight: w, outputGradient: Array(dy[parts[r]]),
                                        savedMean: savedMeans[r], savedInverseStd: savedInverseStds[r],
                                        inputGradient: &dxr)
            dx2 += dxr
        }
        // Only the order of the Double sums differs; Float results agree to a few ulps.
        for r in [compare(y2, y.doubles, atol: 1e-6, rtol: 1e-6, name: "output"),
                  compare(dx2, dx.doubles, atol: 1e-6 * max(1, maxMagnitude(dx.doubles)), rtol: 1e-6, name: "d/dinput"),
                  compare(dw2, dw.doubles, atol: 1e-5, rtol: 1e-6, name: "d/dweight"),
                  compare(db2, db.doubles, atol: 1e-5, rtol: 1e-6, name: "d/dbias")] {
            #expect(r.passed, "\(s.testDescription): \(r)")
        }
    }

    @Test("Nil gradients are skipped")
    func nilGradients() {
        let s = ActivationShape(3, 5, 7, 5)
        let (n, c, p) = (s.batch, s.channels, s.plane)
        var random = TestRandom(seed: 27)
        let x = random.uniform(s.count).floats, dy = random.uniform(s.count).floats
        let w = random.uniform(c, in: 0.5...1.5).floats, b = random.uniform(c).floats
        var rm = [Float](repeating: 0, count: c), rv = [Float](repeating: 1, count: c)
        var y = [Float](repeating: 0, count: s.count)
        var mean = [Float](repeating: 0, count: c), invStd = [Float](repeating: 0, count: c)
        batchNorm2dTrainingForward(batch: n, channels: c, plane: p, input: x, weight: w, bias: b,
                                   runningMean: &rm, runningVariance: &rv, output: &y,
                                   savedMean: &mean, savedInverseStd: &invStd)
        var all = [Float](repeating: 0, count: s.count), only = [Float](repeating: 0, count: s.count)
        var dw = [Float](repeating: 0, count: c), db = [Float](repeating: 0, count: c)
        batchNorm2dTrainingBackward(batch: n, channels: c, plane: p, input: x, weight: w, outputGradient: dy,
                                    savedMean: mean, savedInverseStd: invStd,
                                    inputGradient: &all, weightGradient: &dw, biasGradient: &db)
        batchNorm2dTrainingBackward(batch: n, channels: c, plane: p, input: x, weight: w, outputGradient: dy,
                                    savedMean: mean, savedInverseStd: invStd,
                                    inputGradient: &only, weightGradient: nil, biasGradient: nil)
        #expect(all == only)
    }

    /// PyTorch raises "Expected more than 1 value per channel when training" for N·H·W = 1.
    @Test("Training with one value per channel is a precondition failure")
    func singleValuePerChannel() async {
        await #expect(processExitsWith: .failure) {
            let x: [Float] = [1, 2, 3], w: [Float] = [1, 1, 1], b: [Float] = [0, 0, 0]
            var rm: [Float] = [0, 0, 0], rv: [Float] = [1, 1, 1], y: [Float] = [0, 0, 0]
            var mean: [Float] = [0, 0, 0], invStd: [Float] = [0, 0, 0]
            batchNorm2dTrainingForward(batch: 1, channels: 3, plane: 1, input: x, weight: w, bias: b,
                                       runningMean: &rm, runningVariance: &rv, output: &y,
                                       savedMean: &mean, savedInverseStd: &invStd)
        }
    }
}
