import Kernels
import Testing
import TestSupport

/// `matrixMultiply` against a Double product: the sgemm path and the plain-loop path taken
/// for products with one row or one column, with every transpose, padded leading dimensions,
/// alpha, and beta 0 (c holds NaN, which must not leak) or 1 (accumulation).
@Suite struct MatrixMultiplyTests {
    static let shapes: [(m: Int, n: Int, k: Int)] = [(1, 37, 9), (1, 1, 300), (23, 1, 17), (1, 70, 1), (6, 9, 5), (40, 33, 70)]

    @Test("Every transpose and beta against a Double product", arguments: shapes.indices, [false, true])
    func matchesDoubleProduct(_ index: Int, accumulate: Bool) {
        let (m, n, k) = Self.shapes[index]
        var random = TestRandom(seed: UInt64(100 + index))
        for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
            // Leading dimensions 3 wider than needed: only the addressed elements may be read.
            let (aRows, aColumns) = transposeA ? (k, m) : (m, k)
            let (bRows, bColumns) = transposeB ? (n, k) : (k, n)
            let (lda, ldb, ldc) = (aColumns + 3, bColumns + 3, n + 3)
            let a = random.uniform(aRows * lda).floats, b = random.uniform(bRows * ldb).floats
            let initial = random.uniform(m * ldc).floats
            var c = accumulate ? initial : [Float](repeating: .nan, count: m * ldc)
            let alpha: Float = 0.5
            matrixMultiply(m: m, n: n, k: k, a, transposeA: transposeA, leadingA: lda, b, transposeB: transposeB,
                           leadingB: ldb, into: &c, leadingC: ldc, alpha: alpha, beta: accumulate ? 1 : 0)
            var expected: [Double] = [], actual: [Float] = []
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0
                    for p in 0..<k {
                        let x = transposeA ? a[p * lda + i] : a[i * lda + p]
                        let y = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                        sum += Double(x) * Double(y)
                    }
                    expected.append(Double(alpha) * sum + (accumulate ? Double(initial[i * ldc + j]) : 0))
                    actual.append(c[i * ldc + j])
                }
            }
            let r = compare(actual, expected, atol: 1e-5 * Double(k).squareRoot(), rtol: 1e-5,
                            name: "(\(m), \(n), \(k)) transposeA \(transposeA) transposeB \(transposeB)")
            #expect(r.passed, "\(r)")
        }
    }

    @Test("Prescott's fallback kernel on an AVX-512 or AVX2 CPU is named with the setting that fixes it")
    func fallbackKernelIsWarned() {
        let avx512 = BLAS.kernelWarning(core: "Prescott", cpuFlags: ["sse3", "avx2", "avx512f"])
        #expect(avx512?.contains("OPENBLAS_CORETYPE=SkylakeX") == true, "\(String(describing: avx512))")
        #expect(BLAS.kernelWarning(core: "Prescott", cpuFlags: ["sse3", "avx2"])?.contains("OPENBLAS_CORETYPE=Haswell") == true)
        #expect(BLAS.kernelWarning(core: "Prescott", cpuFlags: ["sse3"]) == nil)
        #expect(BLAS.kernelWarning(core: "SkylakeX", cpuFlags: ["avx2", "avx512f"]) == nil)
        #expect(BLAS.kernelWarning(core: "Haswell", cpuFlags: ["avx2"]) == nil)
        #expect(BLAS.cpuFlags.contains("sse2"), "every x86-64 CPU lists sse2: \(BLAS.cpuFlags.sorted().prefix(8))")
    }
}
