extension Reference {
    /// Power iteration (when asked) and W/σ for a (rows, columns) matrix; returns the
    /// normalized weight and the u, v used.
    public static func spectralNorm(rows: Int, columns: Int, weight: [Double], u: [Double], v: [Double],
                                    powerIteration: Bool, epsilon: Double = 1e-12)
        -> (normalized: [Double], u: [Double], v: [Double], sigma: Double) {
        func normalize(_ x: [Double]) -> [Double] {
            let norm = max(x.reduce(0) { $0 + $1 * $1 }.squareRoot(), epsilon)
            return x.map { $0 / norm }
        }
        func times(_ x: [Double]) -> [Double] {        // W x
            (0..<rows).map { o in (0..<columns).reduce(0) { $0 + weight[o * columns + $1] * x[$1] } }
        }
        var u = u, v = v
        if powerIteration {
            v = normalize((0..<columns).map { m in (0..<rows).reduce(0) { $0 + weight[$1 * columns + m] * u[$1] } })
            u = normalize(times(v))
        }
        let wv = times(v)
        let sigma = (0..<rows).reduce(0) { $0 + u[$1] * wv[$1] }
        return (weight.map { $0 / sigma }, u, v, sigma)
    }

    /// Gradient of W ↦ W/(uᵀWv) with u, v fixed: dW = (G − ⟨G, W/σ⟩ u vᵀ)/σ.
    public static func spectralNormBackward(rows: Int, columns: Int, weight: [Double], u: [Double], v: [Double],
                                            normalizedGradient g: [Double]) -> [Double] {
        let s = spectralNorm(rows: rows, columns: columns, weight: weight, u: u, v: v, powerIteration: false)
        let inner = zip(g, s.normalized).reduce(0) { $0 + $1.0 * $1.1 }
        return (0..<rows * columns).map { i in (g[i] - inner * u[i / columns] * v[i % columns]) / s.sigma }
    }
}
