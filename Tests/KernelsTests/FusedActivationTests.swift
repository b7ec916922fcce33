import Testing
import Kernels
import TestSupport

/// The normalization kernels with a fused ReLU / LeakyReLU against the Double references of the
/// norm followed by the activation (forward), and of the activation's backward followed by the
/// norm's (backward). Shapes include one large enough to split channels across threads.
let fusedShapes: [ActivationShape] = [ActivationShape(1, 3, 5, 7), ActivationShape(3, 5, 7, 5),
                                      ActivationShape(2, 3, 11, 13), ActivationShape(4, 16, 32, 32)]
let fusedActivations: [FusedActivation] = [.relu, .leakyRelu(negativeSlope: 0.2)]

extension FusedActivation: CustomTestStringConvertible {
    public var testDescription: String {
        switch self {
        case .identity: "identity"
        case .relu: "ReLU"
        case .leakyRelu(let slope): "LeakyReLU(\(slope))"
        }
    }
}

/// act(z) and its backward dz = act'(z)·dy in Double.
private func activate(_ z: [Double], _ activation: FusedActivation) -> [Double] {
    switch activation {
    case .identity: z
    case .relu: Reference.relu(z)
    case .leakyRelu(let slope): Reference.leakyRelu(z, negativeSlope: Double(slope))
    }
}

private func activationBackward(_ z: [Double], _ dy: [Double], _ activation: FusedActivation) -> [Double] {
    switch activation {
    case .identity: dy
    case .relu: Reference.reluBackward(input: z, outputGradient: dy)
    case .leakyRelu(let slope): Reference.leakyReluBackward(input: z, outputGradient: dy, negativeSlope: Double(slope))
    }
}

@Suite struct FusedActivationTests {
    @Test("BatchNorm training with a fused activation matches norm then activation", arguments: fusedShapes, fusedActivations)
    func batchNormTraining(_ s: ActivationShape, _ activation: FusedActivation) {
        let (n, c, p) = (s.batch, s.channels, s.plane)
        var random = TestRandom(seed: 41)
        let x = random.uniform(s.count, in: -2...3).floats, dy = random.uniform(s.count).floats
        let w = random.uniform(c, in: 0.5...1.5).floats, b = random.uniform(c).floats
        var rm = [Float](repeating: 0, count: c), rv = [Float](repeating: 1, count: c)
        var y = [Float](repeating: .nan, count: s.count)
        var mean = [Float](repeating: .nan, count: c), invStd = [Float](repeating: .nan, count: c)
        batchNorm2dTrainingForward(batch: n, channels: c, plane: p, input: x, weight: w, bias: b,
                                   runningMean: &rm, runningVariance: &rv, output: &y,
                                   savedMean: &mean, savedInverseStd: &invStd, activation: activation)
        let ref = Reference.batchNorm2dTraining(input: x.doubles, weight: w.doubles, bias: b.doubles,
                                                batch: n, channels: c, plane: p)
        let forward = compare(y, activate(ref.output, activation), atol: 1e-5, rtol: 1e-5, name: "output")
        #expect(forward.passed, "\(s.testDescription) \(activation.testDescription): \(forward)")

        var dx = [Float](repeating: 1, count: s.count)
        var dw = [Float](repeating: 1, count: c), db = [Float](repeating: 1, count: c)
        batchNorm2dTrainingBackward(batch: n, channels: c, plane: p, input: x, weight: w, outputGradient: dy,
                                    savedMean: mean, savedInverseStd: invStd, inputGradient: &dx,
                                    weightGradient: &dw, biasGradient: &db, activation: activation, output: y)
        let dz = activationBackward(ref.output, dy.doubles, activation)
        let g = Reference.batchNorm2dTrainingBackward(input: x.doubles, weight: w.doubles, outputGradient: dz,
                                                      batch: n, channels: c, plane: p)
        for r in [compareAccumulatedGradient(dx, g.input, name: "d/dinput"),
                  compareAccumulatedGradient(dw, g.weight, name: "d/dweight"),
                  compareAccumulatedGradient(db, g.bias, name: "d/dbias")] {
            #expect(r.passed, "\(s.testDescription) \(activation.testDescription): \(r)")
        }

        // The two phases of synchronized BatchNorm, on one rank: the one-call results exactly.
        var sums = [Double](repeating: .nan, count: 2 * c)
        var y1 = [Float](repeating: .nan, count: s.count)
        var rm1 = [Float](repeating: 0, count: c), rv1 = [Float](repeating: 1, count: c)
        var mean1 = [Float](repeating: .nan, count: c), invStd1 = [Float](repeating: .nan, count: c)
        batchNorm2dForwardSums(batch: n, channels: c, plane: p, input: x, sums: &sums)
        batchNorm2dForwardFromSums(batch: n, channels: c, plane: p, sums: sums, count: n * p, input: x, weight: w,
                                   bias: b, runningMean: &rm1, runningVariance: &rv1, output: &y1,
                                   savedMean: &mean1, savedInverseStd: &invStd1, activation: activation)
        #expect(y1 == y && mean1 == mean && invStd1 == invStd && rm1 == rm && rv1 == rv)
        var dx1 = [Float](repeating: 1, count: s.count)
        var dw1 = [Float](repeating: 1, count: c), db1 = [Float](repeating: 1, count: c)
        batchNorm2dBackwardSums(batch: n, channels: c, plane: p, input: x, outputGradient: dy, savedMean: mean,
                                savedInverseStd: invStd, weightGradient: &dw1, biasGradient: &db1, sums: &sums,
                                activation: activation, output: y)
        batchNorm2dBackwardFromSums(batch: n, channels: c, plane: p, sums: sums, count: n * p, input: x, weight: w,
                                    outputGradient: dy, savedMean: mean, savedInverseStd: invStd, inputGradient: &dx1,
                                    activation: activation, output: y)
        #expect(dx1 == dx && dw1 == dw && db1 == db)
    }

    @Test("BatchNorm eval with a fused activation matches norm then activation", arguments: fusedShapes, fusedActivations)
    func batchNormEval(_ s: ActivationShape, _ activation: FusedActivation) {
        let (n, c, p) = (s.batch, s.channels, s.plane)
        var random = TestRandom(seed: 42)
        let x = random.uniform(s.count, in: -2...3).floats, dy = random.uniform(s.count).floats
        let w = random.uniform(c, in: 0.5...1.5).floats, b = random.uniform(c).floats
        let rm = random.uniform(c).floats, rv = random.uniform(c, in: 0.5...2).floats
        var y = [Float](repeating: .nan, count: s.count)
        batchNorm2dEvalForward(batch: n, channels: c, plane: p, input: x, weight: w, bias: b, runningMean: rm,
                               runningVariance: rv, output: &y, activation: activation)
        let z = Reference.batchNorm2dEval(input: x.doubles, weight: w.doubles, bias: b.doubles, runningMean: rm.doubles,
                                          runningVariance: rv.doubles, batch: n, channels: c, plane: p)
        let forward = compare(y, activate(z, activation), atol: 1e-5, rtol: 1e-5, name: "output")
        #expect(forward.passed, "\(s.testDescription) \(activation.testDescription): \(forward)")

        var dx = [Float](repeating: 1, count: s.count)
        var dw = [Float](repeating: 1, count: c), db = [Float](repeating: 1, count: c)
        batchNorm2dEvalBackward(batch: n, channels: c, plane: p, input: x, weight: w, runningMean: rm, runningVariance: rv,
                                outputGradient: dy, inputGradient: &dx, weightGradient: &dw, biasGradient: &db,
                                activation: activation, output: y)
        let g = Reference.batchNorm2dEvalBackward(input: x.doubles, weight: w.doubles, runningMean: rm.doubles,
                                                  runningVariance: rv.doubles,
                                                  outputGradient: activationBackward(z, dy.doubles, activation),
                                                  batch: n, channels: c, plane: p)
        for r in [compareAccumulatedGradient(dx, g.input, name: "d/dinput"),
                  compareAccumulatedGradient(dw, g.weight, name: "d/dweight"),
                  compareAccumulatedGradient(db, g.bias, name: "d/dbias")] {
            #expect(r.passed, "\(s.testDescription) \(activation.testDescription): \(r)")
        }
    }

    @Test("InstanceNorm with a fused activation matches norm then activation", arguments: fusedShapes, fusedActivations)
    func instanceNorm(_ s: ActivationShape, _ activation: FusedActivation) {
        let (n, c, p) = (s.batch, s.channels, s.plane)
        var random = TestRandom(seed: 43)
        let x = random.uniform(s.count, in: -2...3).floats, dy = random.uniform(s.count).floats
        let w = random.uniform(c, in: 0.5...1.5).floats, b = random.uniform(c).floats
        var y = [Float](repeating: .nan, count: s.count)
        var mean = [Float](repeating: .nan, count: n * c), invStd = [Float](repeating: .nan, count: n * c)
        instanceNorm2dForward(batch: n, channels: c, plane: p, input: x, weight: w, bias: b, output: &y,
                              savedMean: &mean, savedInverseStd: &invStd, activation: activation)
        let ref = Reference.instanceNorm2d(input: x.doubles, weight: w.doubles, bias: b.doubles,
                                           batch: n, channels: c, plane: p)
        let forward = compare(y, activate(ref.output, activation), atol: 1e-5, rtol: 1e-5, name: "output")
        #expect(forward.passed, "\(s.testDescription) \(activation.testDescription): \(forward)")

        var dx = [Float](repeating: 1, count: s.count)
        var dw = [Float](repeating: 1, count: c), db = [Float](repeating: 1, count: c)
        instanceNorm2dBackward(batch: n, channels: c, plane: p, input: x, weight: w, outputGradient: dy,
                               savedMean: mean, savedInverseStd: invStd, inputGradient: &dx, weightGradient: &dw,
                               biasGradient: &db, activation: activation, output: y)
        let g = Reference.instanceNorm2dBackward(input: x.doubles, weight: w.doubles,
                                                 outputGradient: activationBackward(ref.output, dy.doubles, activation),
                                                 batch: n, channels: c, plane: p)
        for r in [compareAccumulatedGradient(dx, g.input, name: "d/dinput"),
                  compareAccumulatedGradient(dw, g.weight, name: "d/dweight"),
                  compareAccumulatedGradient(db, g.bias, name: "d/dbias")] {
            #expect(r.passed, "\(s.testDescription) \(activation.testDescription): \(r)")
        }
    }
}
