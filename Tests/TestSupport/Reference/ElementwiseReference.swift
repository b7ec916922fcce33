import Kernels

extension Reference {
    /// a (count)  b (count)  →  a + b (count)
    public static func add(_ a: [Double], _ b: [Double]) -> [Double] {
        precondition(a.count == b.count, "Reference.add: \(a.count) vs \(b.count) elements")
        return a.indices.map { a[$0] + b[$0] }
    }

    /// Gradients of `add` given the output gradient: (a, b), each the output gradient itself.
    public static func addBackward(outputGradient: [Double]) -> (a: [Double], b: [Double]) {
        (outputGradient, outputGradient)
    }

    /// The flat index of attention[n, c or 0, y, x]: a one-channel map is read for every channel.
    static func attentionIndex(_ g: AttentionGeometry, n: Int, c: Int, y: Int, x: Int) -> Int {
        let cm = g.attentionChannels == 1 ? 0 : c
        return ((n * g.attentionChannels + cm) * g.height + y) * g.width + x
    }

    /// features (N, C, H, W)  attention (N, Cm, H, W)  →  features · attention (N, C, H, W)
    public static func attentionMultiply(_ g: AttentionGeometry, features: [Double], attention: [Double]) -> [Double] {
        var output = [Double](repeating: 0, count: g.featureCount)
        for n in 0..<g.batch {
            for c in 0..<g.channels {
                for y in 0..<g.height {
                    for x in 0..<g.width {
                        let i = ((n * g.channels + c) * g.height + y) * g.width + x
                        output[i] = features[i] * attention[attentionIndex(g, n: n, c: c, y: y, x: x)]
                    }
                }
            }
        }
        return output
    }

    /// Gradients of `attentionMultiply` given the output gradient: (features, attention).
    public static func attentionMultiplyBackward(_ g: AttentionGeometry, features: [Double], attention: [Double],
                                                 outputGradient: [Double]) -> (features: [Double], attention: [Double]) {
        var dFeatures = [Double](repeating: 0, count: g.featureCount)
        var dAttention = [Double](repeating: 0, count: g.attentionCount)
        for n in 0..<g.batch {
            for c in 0..<g.channels {
                for y in 0..<g.height {
                    for x in 0..<g.width {
                        let i = ((n * g.channels + c) * g.height + y) * g.width + x
                        let j = attentionIndex(g, n: n, c: c, y: y, x: x)
                        dFeatures[i] += outputGradient[i] * attention[j]
                        dAttention[j] += outputGradient[i] * features[i]
                    }
                }
            }
        }
        return (dFeatures, dAttention)
    }
}
