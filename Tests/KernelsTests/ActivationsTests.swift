import Testing
import Kernels
import TestSupport

/// Element counts for the elementwise activations: tiny, odd, a vector multiple, large odd.
let activationCounts = [1, 3, 7, 64, 1001]

/// (N, C, H, W) for PReLU: batch 1 and 3 (and 2), channels 3 / 5 / 7, odd and 1×1 planes.
let preluShapes: [ActivationShape] = [
    ActivationShape(1, 3, 5, 7),
    ActivationShape(3, 5, 7, 5),
    ActivationShape(3, 7, 1, 1),
    ActivationShape(1, 5, 1, 9),
    ActivationShape(2, 3, 11, 13),
]

/// Uniform values pushed at least 0.05 away from 0, the kink, so central differences are valid.
func awayFromKink(_ values: [Double]) -> [Double] { values.map { $0 < 0 ? $0 - 0.05 : $0 + 0.05 } }

/// Uniform values with every fifth set to exactly 0, to pin PyTorch's choice at the kink.
func withZeros(_ values: [Double]) -> [Double] { values.indices.map { $0 % 5 == 2 ? 0 : values[$0] } }

/// Elementwise Float vs Double: one or two roundings per element, so 1e-6 relative; the
/// absolute 1e-6 covers a gradient pre-filled with 1 (ulp 1.2e-7) and sigmoid's
/// 1 − y near y = 1, where Float y carries an absolute error of 6e-8.
func compareElementwise(_ got: [Float], _ expected: [Double], subtractingOne: Bool = false,
                        name: String) -> Comparison {
    compare(got.map { Double($0) - (subtractingOne ? 1 : 0) }, expected, atol: 1e-6, rtol: 1e-6, name: name)
}

@Suite struct ActivationsTests {
    // MARK: Tier 1: the Double references against central differences

    @Test("Double reference backwards match central differences")
    func referenceGradients() {
        var random = TestRandom(seed: 41)
        let x = awayFromKink(random.uniform(200, in: -2...2)), dy = random.uniform(200)
        var results = GradientCheck().check(inputs: [x], outputGradient: dy,
                                            analytic: [Reference.reluBackward(input: x, outputGradient: dy)],
                                            names: ["relu input"]) { Reference.relu($0[0]) }
        results += GradientCheck().check(
            inputs: [x], outputGradient: dy,
            analytic: [Reference.leakyReluBackward(input: x, outputGradient: dy, negativeSlope: 0.2)],
            names: ["leaky relu input"]) { Reference.leakyRelu($0[0], negativeSlope: 0.2) }
        let s = random.uniform(200, in: -6...6)
        results += GradientCheck().check(inputs: [s], outputGradient: dy,
                                         analytic: [Reference.sigmoidBackward(input: s, outputGradient: dy)],
                                         names: ["sigmoid input"]) { Reference.sigmoid($0[0]) }
        for r in results { #expect(r.passed, "\(r)") }
    }

    @Test("Double reference PReLU backward matches central differences", arguments: preluShapes)
    func referencePreluGradients(_ shape: ActivationShape) {
        let (n, c, p) = (shape.batch, shape.channels, shape.plane)
        var random = TestRandom(seed: 42)
        // Slopes of both signs: the backward must not assume the output keeps the input's sign.
        let x = awayFromKink(random.uniform(shape.count, in: -2...2)), a = random.uniform(c, in: -0.5...0.5)
        let dy = random.uniform(shape.count)
        let analytic = Reference.preluBackward(input: x, weight: a, outputGradient: dy, batch: n, channels: c, plane: p)
        let results = GradientCheck().check(inputs: [x, a], outputGradient: dy, analytic: [analytic.input, analytic.weight],
                                            names: ["input", "weight"]) {
            Reference.prelu($0[0], weight: $0[1], batch: n, channels: c, plane: p)
        }
        for r in results { #expect(r.passed, "\(shape.testDescription): \(r)") }
    }

    // MARK: Tier 2: the Float kernels against the references

    @Test("ReLU kernel matches the reference; in place and backward from the output", arguments: activationCounts)
    func relu(_ count: Int) {
        var random = TestRandom(seed: 43)
        let x = withZeros(random.uniform(count, in: -2...2)).floats, dy = random.uniform(count).floats
        var y = [Float](repeating: .nan, count: count)
        reluForward(count: count, input: x, output: &y)
        var inPlace = x
        inPlace.withUnsafeMutableBufferPointer { reluForward(count: count, input: $0.baseAddress!, output: $0.baseAddress!) }
        #expect(inPlace == y)
        var dx = [Float](repeating: 1, count: count)
        reluBackward(count: count, output: inPlace, outputGradient: dy, inputGradient: &dx)
        for r in [compareElementwise(y, Reference.relu(x.doubles), name: "output"),
                  compareElementwise(dx, Reference.reluBackward(input: x.doubles, outputGradient: dy.doubles),
                                     subtractingOne: true, name: "d/dinput")] {
            #expect(r.passed, "count \(count): \(r)")
        }
    }

    @Test("LeakyReLU kernel matches the reference; in place and backward from the output", arguments: activationCounts)
    func leakyRelu(_ count: Int) {
        var random = TestRandom(seed: 44)
        let x = withZeros(random.uniform(count, in: -2...2)).floats, dy = random.uniform(count).floats
        var y = [Float](repeating: .nan, count: count)
        leakyReluForward(count: count, input: x, output: &y, negativeSlope: 0.2)
        var inPlace = x
        inPlace.withUnsafeMutableBufferPointer {
            leakyReluForward(count: count, input: $0.baseAddress!, output: $0.baseAddress!, negativeSlope: 0.2)
        }
        #expect(inPlace == y)
        var dx = [Float](repeating: 1, count: count)
        leakyReluBackward(count: count, output: inPlace, outputGradient: dy, inputGradient: &dx, negativeSlope: 0.2)
        // Float(0.2) is what the kernel multiplies by; the reference uses the same slope.
        let slope = Double(Float(0.2))
        for r in [compareElementwise(y, Reference.leakyRelu(x.doubles, negativeSlope: slope), name: "output"),
                  compareElementwise(dx, Reference.leakyReluBackward(input: x.doubles, outputGradient: dy.doubles,
                                                                     negativeSlope: slope),
                                     subtractingOne: true, name: "d/dinput")] {
            #expect(r.passed, "count \(count): \(r)")
        }
    }

    @Test("PReLU kernel matches the reference, forward and backward", arguments: preluShapes)
    func prelu(_ shape: ActivationShape) {
        let (n, c, p) = (shape.batch, shape.channels, shape.plane)
        var random = TestRandom(seed: 45)
        let x = withZeros(random.uniform(shape.count, in: -2...2)).floats
        // The default init 0.25 on channel 0, then slopes of both signs.
        let a = ([0.25] + random.uniform(c - 1, in: -0.5...0.5)).floats
        let dy = random.uniform(shape.count).floats
        var y = [Float](repeating: .nan, count: shape.count)
        preluForward(batch: n, channels: c, plane: p, input: x, weight: a, output: &y)
        var inPlace = x
        inPlace.withUnsafeMutableBufferPointer {
            preluForward(batch: n, channels: c, plane: p, input: $0.baseAddress!, weight: a, output: $0.baseAddress!)
        }
        #expect(inPlace == y)
        var dx = [Float](repeating: 1, count: shape.count), da = [Float](repeating: 1, count: c)
        preluBackward(batch: n, channels: c, plane: p, input: x, weight: a, outputGradient: dy,
                      inputGradient: &dx, weightGradient: &da)
        let g = Reference.preluBackward(input: x.doubles, weight: a.doubles, outputGradient: dy.doubles,
                                        batch: n, channels: c, plane: p)
        for r in [compareElementwise(y, Reference.prelu(x.doubles, weight: a.doubles, batch: n, channels: c, plane: p),
                                     name: "output"),
                  compareElementwise(dx, g.input, subtractingOne: true, name: "d/dinput"),
                  // da is a sum over N·H·W: the scaled tolerance of the norm gradients.
                  compareAccumulatedGradient(da, g.weight, name: "d/dweight")] {
            #expect(r.passed, "\(shape.testDescription): \(r)")
        }

        var dxOnly = [Float](repeating: 1, count: shape.count)
        preluBackward(batch: n, channels: c, plane: p, input: x, weight: a, outputGradient: dy,
                      inputGradient: &dxOnly, weightGradient: nil)
        #expect(dxOnly == dx)
        var daOnly = [Float](repeating: 1, count: c)
        preluBackward(batch: n, channels: c, plane: p, input: x, weight: a, outputGradient: dy,
                      inputGradient: nil, weightGradient: &daOnly)
        #expect(daOnly == da)
    }

    @Test("Sigmoid kernel matches the reference; in place and backward from the output", arguments: activationCounts)
    func sigmoid(_ count: Int) {
        var random = TestRandom(seed: 46)
        let x = random.uniform(count, in: -12...12).floats, dy = random.uniform(count).floats
        var y = [Float](repeating: .nan, count: count)
        sigmoidForward(count: count, input: x, output: &y)
        var inPlace = x
        inPlace.withUnsafeMutableBufferPointer { sigmoidForward(count: count, input: $0.baseAddress!, output: $0.baseAddress!) }
        #expect(inPlace == y)
        var dx = [Float](repeating: 1, count: count)
        sigmoidBackward(count: count, output: inPlace, outputGradient: dy, inputGradient: &dx)
        for r in [compareElementwise(y, Reference.sigmoid(x.doubles), name: "output"),
                  compareElementwise(dx, Reference.sigmoidBackward(input: x.doubles, outputGradient: dy.doubles),
                                     subtractingOne: true, name: "d/dinput")] {
            #expect(r.passed, "count \(count): \(r)")
        }
    }

    /// e^−x overflows Float for x < −88.7; the kernel must still give 0 … 1, never NaN.
    @Test("Sigmoid is finite and accurate at extreme inputs")
    func sigmoidExtremes() {
        let x: [Float] = [-1000, -200, -100, -89, -88, -30, -1e-30, 0, 1e-30, 17, 30, 89, 100, 1000, .infinity, -.infinity]
        var y = [Float](repeating: .nan, count: x.count)
        sigmoidForward(count: x.count, input: x, output: &y)
        let expected = Reference.sigmoid(x.doubles)
        let r = compare(y, expected, atol: 1e-7, rtol: 1e-6, name: "output")
        #expect(r.passed, "\(r)")
        #expect(y.allSatisfy { $0 >= 0 && $0 <= 1 })
    }
}
