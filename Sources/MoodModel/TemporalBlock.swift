/// A musicnn temporal block: a `[kernelTime x 1]` conv over time applied to every band alone with
/// TF "SAME" padding ((k-1)/2 zeros before, k/2 after), then `+bias`, ReLU, batch norm, and the max
/// over all bands.
///
/// Computed as im2col over time for a chunk of bands at once + one sgemm per chunk; the max over
/// bands accumulates in a `[frames x width]` scratch. BN signs and constant channels as in `TimbralBlock`.
struct TemporalBlock: Sendable {
    let filters: Int         // output channels
    let kernelTime: Int      // any length; even lengths pad one more zero after than before
    let full: ChannelPlan    // every channel
    let pruned: ChannelPlan  // without the constant channels (see ChannelPlan)

    /// `weight` is `[filters x kernelTime]` as in the model file.
    init(weight: [Float], bias: [Float], bn: FoldedBatchNorm, kernelTime: Int, prune: Bool = true) {
        let filters = bias.count
        precondition(kernelTime >= 1 && weight.count == filters * kernelTime && bn.channels == filters)
        let sign = bn.scale.map { $0 < 0 ? Float(-1) : 1 }
        let kernel = weight.indices.map { weight[$0] * sign[$0 / kernelTime] }
        self.filters = filters
        self.kernelTime = kernelTime
        self.full = ChannelPlan(kernel: kernel, k: kernelTime, sign: sign, bias: bias, bn: bn, prune: false)
        self.pruned = ChannelPlan(kernel: kernel, k: kernelTime, sign: sign, bias: bias, bn: bn, prune: prune)
    }

    /// Zeros the input needs before the first frame (`padBefore`) and after the last (`padAfter`).
    var padBefore: Int { (kernelTime - 1) / 2 }
    var padAfter: Int { kernelTime / 2 }

    /// Scratch for `rows` GEMM rows: (im2col floats, product floats).
    func scratch(rows: Int) -> (columns: Int, product: Int) { (rows * kernelTime, rows * full.width) }

    /// Bands per sgemm so that each call has about `rows` rows.
    func chunkBands(rows: Int, frames: Int, bands: Int) -> Int { min(bands, max(1, rows / frames)) }

    /// - input: `[bands x rowStride]` band-major; band b's frame t is at `b * rowStride + leftPad + t`,
    ///   with at least `padBefore` zeros before frame 0 (`leftPad >= padBefore`) and `padAfter` after the last;
    ///   no value larger in magnitude than `maxAbsInput`.
    /// - output: `[frames x filters]` at row stride `outputStride`.
    /// - columns, product: scratch of at least `scratch(rows: chunkBands * frames)`;
    ///   accumulator: `[frames x full.width]`.
    func apply(
        input: UnsafePointer<Float>, maxAbsInput: Float, rowStride: Int, leftPad: Int, frames: Int, bands: Int,
        chunkBands: Int, output: UnsafeMutablePointer<Float>, outputStride: Int,
        columns: UnsafeMutableBufferPointer<Float>, product: UnsafeMutableBufferPointer<Float>,
        accumulator: UnsafeMutableBufferPointer<Float>
    ) {
        let plan = pruned.holds(maxAbsInput: maxAbsInput) ? pruned : full
        let k = kernelTime, n = plan.width
        let chunk = min(chunkBands, bands)
        precondition(leftPad >= padBefore && rowStride >= leftPad + frames + padAfter && chunk >= 1)
        precondition(columns.count >= chunk * frames * k && product.count >= chunk * frames * n)
        precondition(accumulator.count >= frames * n)
        let cols = columns.baseAddress!, prod = product.baseAddress!, acc = accumulator.baseAddress!
        let start = leftPad - padBefore  // offset of the first window in a band's row
        plan.kernel.withUnsafeBufferPointer { w in
            var b0 = 0
            while b0 < bands {
                let count = min(chunk, bands - b0)
                // im2col: row (band, t) = that band's kernelTime values starting at frame t - padBefore.
                for b in 0..<count {
                    let source = input + (b0 + b) * rowStride + start
                    for t in 0..<frames {
                        (cols + (b * frames + t) * k).update(from: source + t, count: k)
                    }
                }
                BLAS.sgemm(m: count * frames, n: n, k: k, a: cols, lda: k, b: w.baseAddress!, ldb: k, transposeB: true,
                           c: prod, ldc: n)
                // Rows (band, t) of a band are laid out like the accumulator's [frames x n].
                for b in 0..<count {
                    if b0 + b == 0 {
                        acc.update(from: prod, count: frames * n)
                    } else {
                        Epilogue.maxInPlace(acc, prod + b * frames * n, count: frames * n)
                    }
                }
                b0 += count
            }
        }
        for t in 0..<frames {
            plan.finish(acc + t * n, into: output + t * outputStride, residual: nil)
        }
    }
}
