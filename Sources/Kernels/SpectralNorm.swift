// Spectral normalization as `torch.nn.utils.spectral_norm` (one power iteration, eps 1e-12):
// the weight (O, C, K, K) is viewed as a matrix W (O, M) with M = C·K·K and divided by
// σ = uᵀ W v, u (O) and v (M) being the running estimates of its top singular vectors.

/// Spectral-norm forward: overwrites `normalizedWeight` with W/σ and returns σ.
///
/// weight (O, M)  u (O)  v (M)  normalizedWeight (O, M); scratch: O floats.
/// With `powerIteration` (training) u and v are first updated in place:
/// v ← normalize(Wᵀu), u ← normalize(W v), normalize(x) = x / max(‖x‖, eps); without it
/// (evaluation) the stored u, v are used as they are. σ = u · (W v) with the final u and v.
public func spectralNormForward(rows: Int, columns: Int, weight: UnsafePointer<Float>,
                                u: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                                powerIteration: Bool, normalizedWeight: UnsafeMutablePointer<Float>,
                                scratch: UnsafeMutablePointer<Float>, epsilon: Float = 1e-12) -> Float {
    precondition(rows > 0 && columns > 0, "SpectralNorm: weight matrix (\(rows), \(columns)) must be non-empty")
    if powerIteration {
        spectralNormPowerIteration(rows: rows, columns: columns, weight: weight, u: u, v: v, epsilon: epsilon)
    }
    matrixMultiply(m: rows, n: 1, k: columns, weight, UnsafePointer(v), into: scratch)
    var sigma: Float = 0
    for i in 0..<rows { sigma += u[i] * scratch[i] }
    let inverse = 1 / sigma
    for i in 0..<rows * columns { normalizedWeight[i] = weight[i] * inverse }
    return sigma
}

/// One power iteration of spectral norm, in place: v ← normalize(Wᵀu), u ← normalize(W v).
///
/// weight (O, M)  u (O)  v (M)
public func spectralNormPowerIteration(rows: Int, columns: Int, weight: UnsafePointer<Float>,
                                       u: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                                       epsilon: Float = 1e-12) {
    // v (M) = Wᵀ (M, O) · u (O)
    matrixMultiply(m: columns, n: 1, k: rows, weight, transposeA: true, UnsafePointer(u), into: v)
    normalize(v, count: columns, epsilon: epsilon)
    // u (O) = W (O, M) · v (M)
    matrixMultiply(m: rows, n: 1, k: columns, weight, UnsafePointer(v), into: u)
    normalize(u, count: rows, epsilon: epsilon)
}

/// Spectral-norm backward with u and v held fixed (as PyTorch, which detaches them);
/// accumulates (`+=`) into `weightGradient`:
/// dW += (G − ⟨G, W/σ⟩ · u vᵀ) / σ, where G is the gradient of the normalized weight.
///
/// normalizedWeight (O, M)  normalizedWeightGradient (O, M)  u (O)  v (M)  weightGradient (O, M)
public func spectralNormBackward(rows: Int, columns: Int, normalizedWeight: UnsafePointer<Float>,
                                 normalizedWeightGradient: UnsafePointer<Float>,
                                 u: UnsafePointer<Float>, v: UnsafePointer<Float>, sigma: Float,
                                 weightGradient: UnsafeMutablePointer<Float>) {
    precondition(rows > 0 && columns > 0, "SpectralNorm: weight matrix (\(rows), \(columns)) must be non-empty")
    var inner: Double = 0
    for i in 0..<rows * columns { inner += Double(normalizedWeightGradient[i]) * Double(normalizedWeight[i]) }
    let inverse = 1 / sigma, projection = Float(inner) * inverse
    for o in 0..<rows {
        let g = normalizedWeightGradient + o * columns, dw = weightGradient + o * columns
        let scaledU = projection * u[o]
        for m in 0..<columns { dw[m] += g[m] * inverse - scaledU * v[m] }
    }
}

/// x ← x / max(‖x‖, eps), as `torch.nn.functional.normalize(x, dim=0, eps=eps)`.
@inline(__always)
private func normalize(_ x: UnsafeMutablePointer<Float>, count: Int, epsilon: Float) {
    var sumOfSquares: Float = 0
    for i in 0..<count { sumOfSquares += x[i] * x[i] }
    let inverse = 1 / max(sumOfSquares.squareRoot(), epsilon)
    for i in 0..<count { x[i] *= inverse }
}
