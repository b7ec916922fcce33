import Testing
import Kernels
import TestSupport

/// Shapes swept by the attention tests: 2D (Cm = 1) and 3D (Cm = C) attention, odd sizes,
/// batch 1 and 3, channel counts that are not multiples of 8, and a 64-channel broadcast whose
/// map gradient sums many terms.
let attentionGeometries: [AttentionGeometry] = [
    AttentionGeometry(batch: 1, channels: 3, attentionChannels: 1, height: 7, width: 9),
    AttentionGeometry(batch: 1, channels: 3, attentionChannels: 3, height: 7, width: 9),
    AttentionGeometry(batch: 3, channels: 5, attentionChannels: 1, height: 5, width: 6),
    AttentionGeometry(batch: 3, channels: 5, attentionChannels: 5, height: 5, width: 6),
    AttentionGeometry(batch: 3, channels: 7, attentionChannels: 1, height: 9, width: 11),
    AttentionGeometry(batch: 3, channels: 7, attentionChannels: 7, height: 9, width: 11),
    AttentionGeometry(batch: 1, channels: 1, attentionChannels: 1, height: 1, width: 1),
    AttentionGeometry(batch: 2, channels: 64, attentionChannels: 1, height: 8, width: 5),
]

/// Large enough for the Float kernels to split over the threads (the backward by image, the
/// forward by plane); too large for the central differences of the Double reference.
let threadedAttentionGeometries: [AttentionGeometry] = [
    AttentionGeometry(batch: 3, channels: 33, attentionChannels: 1, height: 21, width: 17),
    AttentionGeometry(batch: 3, channels: 33, attentionChannels: 33, height: 21, width: 17),
]

/// Element counts swept by the add tests; the last is split over the threads.
let elementwiseCounts = [1, 7, 3 * 5 * 9 * 11, 3 * 7 * 33 * 17, 5 * 31 * 33 * 17]

// Tolerances (Float kernel vs Double reference on the same Float inputs):
// - a single Float add or multiply is correctly rounded: relative error ≤ 2⁻²⁴; 2⁻²³ leaves margin.
// - gradients start at 1 and 1 is subtracted afterwards, which adds up to half an ulp of the
//   accumulated value; attention's map gradient with Cm = 1 also sums C rounded products in
//   Float (inputs in [−1, 1]): 1e-5 absolute + 1e-5 relative covers C = 64 with margin.
let singleRounding = 0x1p-23
let accumulatedTolerance = 1e-5

@Suite struct ElementwiseTests {
    @Test("Double reference add backward matches central differences")
    func addReferenceGradients() {
        var random = TestRandom(seed: 21)
        let a = random.uniform(37), b = random.uniform(37), dy = random.uniform(37)
        let analytic = Reference.addBackward(outputGradient: dy)
        let results = GradientCheck().check(inputs: [a, b], outputGradient: dy, analytic: [analytic.a, analytic.b],
                                            names: ["a", "b"]) { Reference.add($0[0], $0[1]) }
        for r in results { #expect(r.passed, "\(r)") }
    }

    @Test("Float add, its backward and accumulate match the Double reference", arguments: elementwiseCounts)
    func addMatchesReference(_ count: Int) {
        var random = TestRandom(seed: 22)
        let a = random.uniform(count).floats, b = random.uniform(count).floats, dy = random.uniform(count).floats

        var y = [Float](repeating: .nan, count: count)
        addForward(a, b, output: &y, count: count)
        let yRef = Reference.add(a.doubles, b.doubles)
        let forward = compare(y, yRef, atol: 0, rtol: singleRounding, name: "output")
        #expect(forward.passed, "\(count): \(forward)")

        var target = b
        accumulate(a, into: &target, count: count)
        let accumulated = compare(target, yRef, atol: 0, rtol: singleRounding, name: "accumulate")
        #expect(accumulated.passed, "\(count): \(accumulated)")

        var da = [Float](repeating: 1, count: count), db = [Float](repeating: 1, count: count)
        addBackward(outputGradient: dy, aGradient: &da, bGradient: &db, count: count)
        let ref = Reference.addBackward(outputGradient: dy.doubles)
        for (name, got, expected) in [("a", da, ref.a), ("b", db, ref.b)] {
            let r = compare(got.map { $0 - 1 }, expected, atol: singleRounding, rtol: singleRounding, name: "d/d\(name)")
            #expect(r.passed, "\(count): \(r)")
        }

        var onlyB = [Float](repeating: 1, count: count)
        addBackward(outputGradient: dy, aGradient: nil, bGradient: &onlyB, count: count)
        let alone = compare(onlyB, db, atol: 0, rtol: 0, name: "d/db with aGradient nil")
        #expect(alone.passed, "\(count): \(alone)")
    }

    @Test("Double reference attention backward matches central differences", arguments: attentionGeometries)
    func attentionReferenceGradients(_ g: AttentionGeometry) {
        var random = TestRandom(seed: 23)
        let f = random.uniform(g.featureCount), m = random.uniform(g.attentionCount, in: 0...1)
        let dy = random.uniform(g.featureCount)
        let analytic = Reference.attentionMultiplyBackward(g, features: f, attention: m, outputGradient: dy)
        let results = GradientCheck().check(
            inputs: [f, m], outputGradient: dy, analytic: [analytic.features, analytic.attention],
            names: ["features", "attention"]) { Reference.attentionMultiply(g, features: $0[0], attention: $0[1]) }
        for r in results { #expect(r.passed, "\(g): \(r)") }
    }

    @Test("Float attention multiply matches the Double reference, forward and backward",
          arguments: attentionGeometries + threadedAttentionGeometries)
    func attentionMatchesReference(_ g: AttentionGeometry) {
        var random = TestRandom(seed: 24)
        let f = random.uniform(g.featureCount).floats, m = random.uniform(g.attentionCount, in: 0...1).floats
        let dy = random.uniform(g.featureCount).floats

        var y = [Float](repeating: .nan, count: g.featureCount)
        attentionMultiplyForward(g, features: f, attention: m, output: &y)
        let yRef = Reference.attentionMultiply(g, features: f.doubles, attention: m.doubles)
        let forward = compare(y, yRef, atol: 0, rtol: singleRounding, name: "output")
        #expect(forward.passed, "\(g): \(forward)")

        // Backward accumulates: start every gradient at 1 and subtract it afterwards.
        var df = [Float](repeating: 1, count: g.featureCount)
        var dm = [Float](repeating: 1, count: g.attentionCount)
        attentionMultiplyBackward(g, features: f, attention: m, outputGradient: dy,
                                  featuresGradient: &df, attentionGradient: &dm)
        let ref = Reference.attentionMultiplyBackward(g, features: f.doubles, attention: m.doubles, outputGradient: dy.doubles)
        for (name, got, expected) in [("features", df, ref.features), ("attention", dm, ref.attention)] {
            let r = compare(got.map { $0 - 1 }, expected, atol: accumulatedTolerance, rtol: accumulatedTolerance, name: "d/d\(name)")
            #expect(r.passed, "\(g): \(r)")
        }

        // Either gradient alone is the same as when both are computed.
        var onlyFeatures = [Float](repeating: 1, count: g.featureCount)
        attentionMultiplyBackward(g, features: f, attention: m, outputGradient: dy,
                                  featuresGradient: &onlyFeatures, attentionGradient: nil)
        let featuresAlone = compare(onlyFeatures, df, atol: 0, rtol: 0, name: "d/dfeatures with attentionGradient nil")
        #expect(featuresAlone.passed, "\(g): \(featuresAlone)")
        var onlyAttention = [Float](repeating: 1, count: g.attentionCount)
        attentionMultiplyBackward(g, features: f, attention: m, outputGradient: dy,
                                  featuresGradient: nil, attentionGradient: &onlyAttention)
        let attentionAlone = compare(onlyAttention, dm, atol: 0, rtol: 0, name: "d/dattention with featuresGradient nil")
        #expect(attentionAlone.passed, "\(g): \(attentionAlone)")
    }

    @Test func attentionBroadcastsOverChannels() {
        // One pixel, two channels, a one-channel map: y = f · m, dm = Σ_c dy · f.
        let g = AttentionGeometry(batch: 1, channels: 2, attentionChannels: 1, height: 1, width: 1)
        let f: [Float] = [2, -3], m: [Float] = [0.5], dy: [Float] = [1, 4]
        var y = [Float](repeating: .nan, count: 2)
        attentionMultiplyForward(g, features: f, attention: m, output: &y)
        #expect(y == [1, -1.5])
        var df: [Float] = [0, 0], dm: [Float] = [0]
        attentionMultiplyBackward(g, features: f, attention: m, outputGradient: dy, featuresGradient: &df, attentionGradient: &dm)
        #expect(df == [0.5, 2])
        #expect(dm == [2 - 12])
    }
}

extension AttentionGeometry: CustomTestStringConvertible {
    public var testDescription: String { description }
}

@Suite struct ParameterUpdateTests {
    @Test("zeroFill clears every element, split over the threads", arguments: [1, 40_000, 100_003])
    func zeroFillClearsEverything(_ count: Int) {
        var values = [Float](repeating: .nan, count: count + 1)
        values.withUnsafeMutableBufferPointer { zeroFill($0.baseAddress!, count: count) }
        #expect(values.prefix(count).allSatisfy { $0 == 0 })
        #expect(values[count].isNaN, "wrote past the end")
    }

    @Test("The moving average moves every element by 1 − keep, split over the threads")
    func movingAverageOfEveryElement() {
        var random = TestRandom(seed: 31)
        let count = 70_001
        var average = random.uniform(count).floats
        let current = random.uniform(count).floats, before = average
        average.withUnsafeMutableBufferPointer { movingAverageUpdate($0.baseAddress!, toward: current, count: count, keep: 0.999) }
        let expected = zip(before, current).map { 0.999 * Double($0) + (1 - 0.999) * Double($1) }
        let result = compare(average, expected, atol: 1e-7, rtol: 1e-6, name: "average")
        #expect(result.passed, "\(result)")
    }
}
