import HDF5
import Optimizers
import Tensors
import Testing
import TestSupport

/// One Adam step against PyTorch's `torch.optim.Adam` (lr 2e-4, betas 0.9/0.99, eps 1e-8, zero
/// state), as a function of the golden file's weights and gradients. Elements whose gradient is
/// below 1e-3·max|g| are skipped: there the step is `lr·g/(|g| + eps)`, whose sign follows
/// gradients that are numerically zero (fixtures/README.md).
@Suite struct AdamTests {
    static let files: [String] = [Fixtures.path("adam_A.h5")] + [Fixtures.shared("sparnet_A.h5")].compactMap { $0 }

    @Test("One step reproduces /adam/weights_after_1_step", arguments: files)
    func reproducesPyTorchStep(_ path: String) throws {
        let file = try HDF5File(path: path)
        let keys = try file.group("adam/weights_after_1_step").memberNames()
        #expect(keys.count >= 60)
        var layout = Layout()
        for key in keys { layout.register(key, shape: Shape(try file.dataset("weights/\(key)").shape)) }
        let parameters = Arena(layout), gradients = Arena(layout)
        var expected = [Float](), gradientValues = [Float]()
        for entry in layout.entries {
            parameters.copy(try file.dataset("weights/\(entry.key)").read(Float.self).values, into: entry.slot)
            let g = try file.dataset("train/grads/\(entry.key)").read(Float.self).values
            gradients.copy(g, into: entry.slot)
        }
        let adam = Adam(parameterCount: layout.elementCount, learningRate: 2e-4, beta1: 0.9, beta2: 0.99, epsilon: 1e-8)
        adam.step(parameters: parameters, gradients: gradients)
        #expect(adam.stepCount == 1)

        var actual = [Float]()
        let largest = layout.entries.reduce(Float(0)) { m, e in gradients[e.slot].reduce(m) { max($0, abs($1)) } }
        for entry in layout.entries {
            let after = try file.dataset("adam/weights_after_1_step/\(entry.key)").read(Float.self).values
            let g = gradients[entry.slot], p = parameters[entry.slot]
            for i in 0..<entry.slot.count where abs(g[i]) > 1e-3 * largest {
                actual.append(p[i])
                expected.append(after[i])
                gradientValues.append(g[i])
            }
        }
        #expect(actual.count > 10_000)
        // The update is about lr = 2e-4 per element; Float rounding of p (|p| ≲ 0.1) is ~1e-8.
        let result = compare(actual, expected, atol: 2e-8, rtol: 1e-6, name: "weights after one step")
        print("Adam \(path): \(result)")
        #expect(result.passed, "\(path): \(result)")
    }

    @Test func secondStepUsesBiasCorrectedMoments() {
        // Two steps of a single parameter computed by hand with PyTorch's formulas.
        let adam = Adam(parameterCount: 1, learningRate: 0.1, beta1: 0.5, beta2: 0.75, epsilon: 0)
        let p = Arena(count: 1), g = Arena(count: 1)
        g.base[0] = 2
        adam.step(parameters: p, gradients: g)          // m̂ = 2, v̂ = 4 → p = −0.1
        g.base[0] = -3
        adam.step(parameters: p, gradients: g)          // m = −1, v = 3, bias corrections 1 − βᵗ
        let mHat = -1.0 / (1 - 0.25), vHat = 3.0 / (1 - 0.5625)
        let expected = -0.1 - 0.1 * mHat / vHat.squareRoot()
        #expect(abs(Double(p.base[0]) - expected) < 1e-7, "p = \(p.base[0]), expected \(expected)")
        #expect(abs(adam.firstMoment.base[0] + 1) < 1e-7 && abs(adam.secondMoment.base[0] - 3) < 1e-6)
    }
}
