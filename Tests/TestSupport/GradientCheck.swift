/// Central-difference gradient checking of Double reference ops (tier 1 of STYLE.md).
///
/// The scalar checked is `L = Σ output · outputGradient` for a fixed random `outputGradient`,
/// so `dL/dinput` is exactly what a backward pass given `outputGradient` must return.
public struct GradientCheck {
    /// Step of the central difference. 1e-6 balances truncation (O(h²)) and rounding
    /// (O(ε/h)) errors in Double for values of order one.
    public var step = 1e-6
    public var atol = 1e-7
    public var rtol = 1e-6

    public init(step: Double = 1e-6, atol: Double = 1e-7, rtol: Double = 1e-6) {
        self.step = step
        self.atol = atol
        self.rtol = rtol
    }

    /// Compares `analytic[k]` (the gradient of every input `k`) with central differences of
    /// `forward`, one comparison per input.
    ///
    /// - Parameters:
    ///   - inputs: the point at which to differentiate; every array is perturbed element by element.
    ///   - outputGradient: upstream gradient, same size as `forward`'s output.
    ///   - analytic: the reference backward's gradients, one array per input.
    ///   - forward: the reference forward of all inputs.
    public func check(inputs: [[Double]], outputGradient: [Double], analytic: [[Double]],
                      names: [String]? = nil, forward: ([[Double]]) -> [Double]) -> [Comparison] {
        precondition(analytic.count == inputs.count, "GradientCheck: one analytic gradient per input")
        let numeric = numericGradients(inputs: inputs, outputGradient: outputGradient, forward: forward)
        return inputs.indices.map { k in
            compare(analytic[k], numeric[k], atol: atol, rtol: rtol, name: "d/d\(names?[k] ?? "input\(k)")")
        }
    }

    /// Central differences of `L = Σ forward(inputs) · outputGradient` for every input element.
    public func numericGradients(inputs: [[Double]], outputGradient: [Double],
                                 forward: ([[Double]]) -> [Double]) -> [[Double]] {
        func loss(_ x: [[Double]]) -> Double {
            let y = forward(x)
            precondition(y.count == outputGradient.count, "GradientCheck: output has \(y.count) elements, gradient \(outputGradient.count)")
            var sum = 0.0
            for i in y.indices { sum += y[i] * outputGradient[i] }
            return sum
        }
        var point = inputs
        var results: [[Double]] = []
        for k in inputs.indices {
            var numeric = [Double](repeating: 0, count: inputs[k].count)
            for i in inputs[k].indices {
                let original = point[k][i]
                point[k][i] = original + step
                let plus = loss(point)
                point[k][i] = original - step
                let minus = loss(point)
                point[k][i] = original
                numeric[i] = (plus - minus) / (2 * step)
            }
            results.append(numeric)
        }
        return results
    }
}
