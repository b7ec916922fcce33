import Foundation

extension Reference {
    /// ReLU: max(x, 0).
    public static func relu(_ input: [Double]) -> [Double] { input.map { max($0, 0) } }

    /// Gradient of `relu` (0 at x = 0, as PyTorch).
    public static func reluBackward(input: [Double], outputGradient: [Double]) -> [Double] {
        input.indices.map { input[$0] > 0 ? outputGradient[$0] : 0 }
    }

    /// LeakyReLU: x > 0 ? x : slope·x.
    public static func leakyRelu(_ input: [Double], negativeSlope: Double) -> [Double] {
        input.map { $0 > 0 ? $0 : negativeSlope * $0 }
    }

    /// Gradient of `leakyRelu`.
    public static func leakyReluBackward(input: [Double], outputGradient: [Double], negativeSlope: Double) -> [Double] {
        input.indices.map { input[$0] > 0 ? outputGradient[$0] : negativeSlope * outputGradient[$0] }
    }

    /// PReLU, one slope per channel: input (N, C, H, W)  weight (C)  →  output (N, C, H, W).
    public static func prelu(_ input: [Double], weight: [Double], batch: Int, channels: Int, plane: Int) -> [Double] {
        input.indices.map { j in
            let c = j / plane % channels
            return input[j] > 0 ? input[j] : weight[c] * input[j]
        }
    }

    /// Gradients of `prelu`: (input, weight).
    public static func preluBackward(input: [Double], weight: [Double], outputGradient: [Double],
                                     batch: Int, channels: Int, plane: Int) -> (input: [Double], weight: [Double]) {
        var dx = [Double](repeating: 0, count: input.count)
        var dw = [Double](repeating: 0, count: channels)
        for j in input.indices {
            let c = j / plane % channels
            if input[j] > 0 {
                dx[j] = outputGradient[j]
            } else {
                dx[j] = weight[c] * outputGradient[j]
                dw[c] += outputGradient[j] * input[j]
            }
        }
        return (dx, dw)
    }

    /// Sigmoid: 1/(1 + e^−x).
    public static func sigmoid(_ input: [Double]) -> [Double] { input.map { 1 / (1 + exp(-$0)) } }

    /// Gradient of `sigmoid`: dy·σ(x)·(1 − σ(x)).
    public static func sigmoidBackward(input: [Double], outputGradient: [Double]) -> [Double] {
        input.indices.map { j in
            let s = 1 / (1 + exp(-input[j]))
            return outputGradient[j] * s * (1 - s)
        }
    }
}
