import CBLAS

/// `c (m, n) = alpha · op(a) · op(b) + beta · c`, row-major, on OpenBLAS `cblas_sgemm`.
///
/// `op(a)` is (m, k) and `op(b)` is (k, n); `beta = 1` accumulates into `c`, which is how
/// backward passes add into gradients for free.
@inlinable
public func matrixMultiply(
    m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Float>, transposeA: Bool = false, leadingA: Int? = nil,
    _ b: UnsafePointer<Float>, transposeB: Bool = false, leadingB: Int? = nil,
    into c: UnsafeMutablePointer<Float>, leadingC: Int? = nil,
    alpha: Float = 1, beta: Float = 0
) {
    let lda = leadingA ?? (transposeA ? m : k)
    let ldb = leadingB ?? (transposeB ? k : n)
    let ldc = leadingC ?? n
    cblas_sgemm(CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha,
                a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// BLAS thread control: one process per core group, set once at start (DESIGN.md §3).
public enum BLAS {
    /// Sets the number of OpenBLAS threads for this process, and of the kernels' own workers.
    public static func setThreads(_ count: Int) {
        precondition(count > 0, "BLAS.setThreads: \(count) threads")
        sparnet_blas_set_threads(Int32(count))
        kernelThreads = count
    }
    /// The number of OpenBLAS threads in use.
    public static var threads: Int { Int(sparnet_blas_threads()) }
    /// The OpenBLAS kernel chosen for this CPU (e.g. "Haswell", "SkylakeX"); it depends on
    /// `OPENBLAS_CORETYPE` when that is set.
    public static var coreName: String { String(cString: sparnet_blas_core()) }
}
