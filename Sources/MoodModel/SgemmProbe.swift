/// Measures what OpenBLAS's sgemm reaches on this machine, on one thread: the yardstick the CNN benchmark
/// compares the engine with (1.40 G multiply-accumulates per patch at this rate is the engine's
/// "sgemm-bound" time). For `moodd-bench`; not used by the daemon.
public enum SgemmProbe {
    /// GFLOP/s (2 * m * n * k per call) of `C[m x n] = A[m x k] * B[k x n]`, median of `repeats` calls
    /// timed with `seconds`, a clock of the caller's choosing (thread CPU time in the benchmark).
    public static func gflops(m: Int, n: Int, k: Int, repeats: Int, seconds: () -> Double) -> Double {
        _ = BLAS.singleThreaded
        let a = [Float](repeating: 0.5, count: m * k)
        let b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        var times: [Double] = []
        for i in 0...repeats {  // the first call warms up and is not counted
            let start = seconds()
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        BLAS.sgemm(m: m, n: n, k: k, a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: n,
                                   transposeB: false, c: c.baseAddress!, ldc: n)
                    }
                }
            }
            if i > 0 { times.append(seconds() - start) }
        }
        let median = times.sorted()[times.count / 2]
        return 2 * Double(m) * Double(n) * Double(k) / median / 1e9
    }
}
