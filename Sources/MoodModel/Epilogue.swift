/// The element-wise passes after each sgemm, written as plain loops over contiguous channels
/// that the optimiser vectorises.
enum Epilogue {
    /// `out[c] = max over r of rows[r * width + c]`, for `rows >= 1` contiguous rows.
    @inline(__always)
    static func maxRows(_ rows: UnsafePointer<Float>, rows count: Int, width: Int, into out: UnsafeMutablePointer<Float>) {
        out.update(from: rows, count: width)
        for r in 1..<max(count, 1) {
            maxInPlace(out, rows + r * width, count: width)
        }
    }

    /// `acc[i] = max(acc[i], x[i])`.
    @inline(__always)
    static func maxInPlace(_ acc: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i]
            acc[i] = v > acc[i] ? v : acc[i]
        }
    }

    /// The largest `|x[i]|`.
    @inline(__always)
    static func maxAbs(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var m: Float = 0
        for i in 0..<count {
            let v = abs(x[i])
            m = v > m ? v : m
        }
        return m
    }
}
