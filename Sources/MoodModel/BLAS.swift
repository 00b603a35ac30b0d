import COpenBLAS

/// The seam to OpenBLAS: the only file in moodd that imports `COpenBLAS`.
///
/// Row-major single-precision only; dimensions are checked by the callers' `init`s, so the
/// wrappers only convert them to `blasint` (32-bit in Debian's openblas-pthread build).
enum BLAS {
    /// `C[m x n] = A[m x k] * op(B) + beta * C`, all row-major (`cblas_sgemm`).
    ///
    /// `op(B)` is `B[k x n]` (leading dimension `ldb >= n`) or, with `transposeB`, the transpose
    /// of `B[n x k]` (`ldb >= k`): the layout of a weight matrix stored as (out, in).
    static func sgemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        beta: Float = 0
    ) {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k),
            1, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }

    /// OpenBLAS's worker-thread count for the whole process (`openblas_set_num_threads`).
    static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(count))
    }

    /// The engine runs each patch on the calling thread: one patch is too small to gain from
    /// OpenBLAS's threads, and the daemon's other work shares the cores. Evaluated once, by the
    /// first `Musicnn.init`.
    static let singleThreaded: Void = setThreadCount(1)
}
