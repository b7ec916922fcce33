import Foundation
import CBLAS

/// `c (m, n) = alpha · op(a) · op(b) + beta · c`, row-major, on OpenBLAS `cblas_sgemm`, split
/// over the worker threads (by columns of `c`, or by rows when `c` is taller than wide).
///
/// `op(a)` is (m, k) and `op(b)` is (k, n); `beta = 1` accumulates into `c`, which is how
/// backward passes add into gradients for free. Every element of `c` is computed by one
/// single-threaded sgemm with the full `k`, whatever the split.
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
    // An sgemm of m·n·k ≥ 2^21 multiply-adds (a 128³ product) is worth two threads.
    let product = SplitProduct(m: m, n: n, k: k, a: a, transposeA: transposeA, lda: lda,
                               b: b, transposeB: transposeB, ldb: ldb, c: c, ldc: ldc, alpha: alpha, beta: beta)
    forEachPart(work: m * n * k >> 6, product)
}

/// One sgemm split by columns of `c`, or by rows when `c` is taller than wide, in parts aligned
/// to 16 (a multiple of every sgemm kernel's unroll).
private struct SplitProduct: ParallelWork {
    let m: Int, n: Int, k: Int
    let a: UnsafePointer<Float>, transposeA: Bool, lda: Int
    let b: UnsafePointer<Float>, transposeB: Bool, ldb: Int
    let c: UnsafeMutablePointer<Float>, ldc: Int
    let alpha: Float, beta: Float

    func run(part: Int, of parts: Int) {
        let splitColumns = n >= m
        let extent = splitColumns ? n : m
        let blocks = (extent + 15) / 16
        let start = min(blocks * part / parts * 16, extent), end = min(blocks * (part + 1) / parts * 16, extent)
        guard start < end else { return }
        if splitColumns {
            serialMatrixMultiply(m: m, n: end - start, k: k, a, transposeA: transposeA, leadingA: lda,
                                 b + (transposeB ? start * ldb : start), transposeB: transposeB, leadingB: ldb,
                                 into: c + start, leadingC: ldc, alpha: alpha, beta: beta)
        } else {
            serialMatrixMultiply(m: end - start, n: n, k: k, a + (transposeA ? start : start * lda),
                                 transposeA: transposeA, leadingA: lda, b, transposeB: transposeB, leadingB: ldb,
                                 into: c + start * ldc, leadingC: ldc, alpha: alpha, beta: beta)
        }
    }
}

/// `matrixMultiply` on the calling thread alone (for code already running on every worker).
@inline(__always)
func serialMatrixMultiply(
    m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Float>, transposeA: Bool = false, leadingA: Int? = nil,
    _ b: UnsafePointer<Float>, transposeB: Bool = false, leadingB: Int? = nil,
    into c: UnsafeMutablePointer<Float>, leadingC: Int? = nil,
    alpha: Float = 1, beta: Float = 0
) {
    let lda = leadingA ?? (transposeA ? m : k), ldb = leadingB ?? (transposeB ? k : n), ldc = leadingC ?? n
    if m == 1 || n == 1 {
        vectorMatrixMultiply(m: m, n: n, k: k, a, transposeA: transposeA, leadingA: lda, b, transposeB: transposeB,
                             leadingB: ldb, into: c, leadingC: ldc, alpha: alpha, beta: beta)
        return
    }
    cblas_sgemm(CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha,
                a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// `serialMatrixMultiply` of a product with one row or one column (a 1-channel score conv,
/// a spectral-norm matrix–vector product) in plain loops: OpenBLAS hands such an sgemm to its
/// gemv, which takes its buffer from the heap with some kernels, and a training step
/// allocates nothing. Such products are memory-bound either way.
private func vectorMatrixMultiply(
    m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Float>, transposeA: Bool, leadingA lda: Int,
    _ b: UnsafePointer<Float>, transposeB: Bool, leadingB ldb: Int,
    into c: UnsafeMutablePointer<Float>, leadingC ldc: Int, alpha: Float, beta: Float
) {
    // Element (i, p) of op(a) and (p, j) of op(b) are at these strides.
    let (aRow, aColumn) = transposeA ? (1, lda) : (lda, 1)
    let (bRow, bColumn) = transposeB ? (1, ldb) : (ldb, 1)
    for i in 0..<m {
        for j in 0..<n {
            // BLAS semantics: with beta 0, c is not read (it may hold NaN).
            c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j]
        }
    }
    if m == 1 && bColumn == 1 {
        // c (1, n) += Σ_p alpha·a(0, p) · row p of b: contiguous rows.
        for p in 0..<k {
            let scale = alpha * a[p * aColumn], row = b + p * bRow
            for j in 0..<n { c[j] += scale * row[j] }
        }
    } else if n == 1 && aColumn == 1 {
        // c (m, 1): dot products of contiguous rows of a with the column of b.
        for i in 0..<m {
            let row = a + i * aRow
            var sum: Float = 0
            for p in 0..<k { sum += row[p] * b[p * bRow] }
            c[i * ldc] += alpha * sum
        }
    } else if m == 1 {
        // Columns of b contiguous (b transposed): one dot product per output.
        for j in 0..<n {
            let column = b + j * bColumn
            var sum: Float = 0
            for p in 0..<k { sum += a[p * aColumn] * column[p] }
            c[j] += alpha * sum
        }
    } else {
        // n == 1 with a transposed: c (m, 1) += Σ_p b(p, 0) · column p of a (contiguous).
        for p in 0..<k {
            let scale = alpha * b[p * bRow], column = a + p * aColumn
            for i in 0..<m { c[i * ldc] += scale * column[i] }
        }
    }
}

/// Thread control: one process per core group, set once at start (DESIGN.md §3). OpenBLAS runs
/// single-threaded; the kernels split their work (sgemm included) over their own workers.
public enum BLAS {
    /// Sets the number of threads the kernels use (sgemm included).
    public static func setThreads(_ count: Int) {
        precondition(count > 0, "BLAS.setThreads: \(count) threads")
        guard count != workers.count else { return }
        workers.shutdown()
        workers = WorkerPool(threads: count)
    }
    /// The number of threads the kernels use.
    public static var threads: Int { workers.count }
    /// The OpenBLAS kernel chosen for this CPU (e.g. "Haswell", "SkylakeX"); it depends on
    /// `OPENBLAS_CORETYPE` when that is set.
    public static var coreName: String { String(cString: sparnet_blas_core()) }

    /// A warning when the OpenBLAS kernel `core` runs far below what a CPU with `cpuFlags`
    /// can (naming the setting that fixes it), nil otherwise. OpenBLAS 0.3.21 does not know
    /// CPUs newer than itself (Sapphire and Emerald Rapids among them) and falls back to
    /// Prescott's SSE3 code: measured ≈ 19 GFLOP/s of sgemm on such a core against ≈ 200 with
    /// its SkylakeX kernel.
    public static func kernelWarning(core: String = coreName, cpuFlags: Set<String> = cpuFlags) -> String? {
        guard core == "Prescott" else { return nil }
        let better = cpuFlags.contains("avx512f") ? "SkylakeX" : cpuFlags.contains("avx2") ? "Haswell" : nil
        return better.map {
            "warning: OpenBLAS runs its generic Prescott (SSE3) kernel on this CPU, about 10× slower than its \($0) kernel; set OPENBLAS_CORETYPE=\($0) in the environment of every rank"
        }
    }

    /// The CPU's feature flags as Linux lists them (`/proc/cpuinfo`); empty elsewhere.
    public static let cpuFlags: Set<String> = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }()
}
