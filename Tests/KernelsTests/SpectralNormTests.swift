import Testing
import Kernels
import TestSupport

@Suite struct SpectralNormTests {
    static let shapes: [(rows: Int, columns: Int)] = [(1, 27), (5, 9), (8, 72), (13, 3)]

    @Test("Double reference backward (u, v fixed) matches central differences", arguments: shapes.indices)
    func referenceGradient(_ index: Int) {
        let (rows, columns) = Self.shapes[index]
        var random = TestRandom(seed: 31)
        let w = random.uniform(rows * columns), g = random.uniform(rows * columns)
        let u = random.uniform(rows), v = random.uniform(columns)
        let analytic = Reference.spectralNormBackward(rows: rows, columns: columns, weight: w, u: u, v: v,
                                                      normalizedGradient: g)
        let results = GradientCheck().check(inputs: [w], outputGradient: g, analytic: [analytic], names: ["weight"]) {
            Reference.spectralNorm(rows: rows, columns: columns, weight: $0[0], u: u, v: v, powerIteration: false).normalized
        }
        for r in results { #expect(r.passed, "(\(rows), \(columns)): \(r)") }
    }

    @Test("Float backward matches the Double reference and accumulates", arguments: shapes.indices)
    func backwardMatchesReference(_ index: Int) {
        let (rows, columns) = Self.shapes[index]
        var random = TestRandom(seed: 33)
        let w = random.uniform(rows * columns).floats, g = random.uniform(rows * columns).floats
        var u = random.uniform(rows).floats, v = random.uniform(columns).floats
        var normalized = [Float](repeating: .nan, count: rows * columns)
        var scratch = [Float](repeating: .nan, count: rows)
        let sigma = spectralNormForward(rows: rows, columns: columns, weight: w, u: &u, v: &v, powerIteration: true,
                                        normalizedWeight: &normalized, scratch: &scratch)
        var dw = [Float](repeating: 1, count: rows * columns)
        spectralNormBackward(rows: rows, columns: columns, normalizedWeight: normalized, normalizedWeightGradient: g,
                             u: u, v: v, sigma: sigma, weightGradient: &dw)
        let expected = Reference.spectralNormBackward(rows: rows, columns: columns, weight: w.doubles, u: u.doubles,
                                                      v: v.doubles, normalizedGradient: g.doubles)
        let scale = expected.map { abs($0) }.max()!
        let r = compare(dw.map { $0 - 1 }, expected, atol: 1e-5 * scale, rtol: 1e-5, name: "d/dweight")
        #expect(r.passed, "(\(rows), \(columns)): \(r)")
    }

    @Test("Float forward matches the Double reference, with and without power iteration",
          arguments: shapes.indices, [true, false])
    func forwardMatchesReference(_ index: Int, powerIteration: Bool) {
        let (rows, columns) = Self.shapes[index]
        var random = TestRandom(seed: 32)
        let w = random.uniform(rows * columns).floats
        let u0 = random.uniform(rows).floats, v0 = random.uniform(columns).floats
        var u = u0, v = v0
        var normalized = [Float](repeating: .nan, count: rows * columns)
        var scratch = [Float](repeating: .nan, count: rows)
        let sigma = spectralNormForward(rows: rows, columns: columns, weight: w, u: &u, v: &v,
                                        powerIteration: powerIteration, normalizedWeight: &normalized, scratch: &scratch)
        let ref = Reference.spectralNorm(rows: rows, columns: columns, weight: w.doubles, u: u0.doubles,
                                         v: v0.doubles, powerIteration: powerIteration)
        for r in [compare(normalized, ref.normalized, atol: 1e-6, rtol: 1e-5, name: "W/σ"),
                  compare(u, ref.u, atol: 1e-6, rtol: 1e-5, name: "u"),
                  compare(v, ref.v, atol: 1e-6, rtol: 1e-5, name: "v"),
                  compare([sigma], [ref.sigma], atol: 0, rtol: 1e-5, name: "σ")] {
            #expect(r.passed, "(\(rows), \(columns)) power iteration \(powerIteration): \(r)")
        }
    }
}
