/// A musicnn timbral block: conv `[kernelTime x kernelBands]` over the (time, band) patch, zero-padded
/// in time and valid in frequency, then `+bias`, ReLU, batch norm, and the max over all band positions.
///
/// Computed as im2col + one sgemm per chunk of frames. The max over positions commutes with
/// ReLU and `+bias` (both monotone), and with the BN when its scale is non-negative; for channels
/// whose scale is negative the kernel is stored negated, so the max of the negated convolution is
/// minus the min that those channels need. The epilogue therefore only ever takes maxima.
struct TimbralBlock: Sendable {
    let filters: Int       // output channels
    let kernelTime: Int    // odd; the input carries (kernelTime-1)/2 zero frames above and below
    let kernelBands: Int   // valid positions: bands - kernelBands + 1
    let full: ChannelPlan  // every channel
    let pruned: ChannelPlan  // without the constant channels (see ChannelPlan)

    /// `weight` is `[filters x kernelTime x kernelBands]` as in the model file.
    init(weight: [Float], bias: [Float], bn: FoldedBatchNorm, kernelTime: Int, kernelBands: Int, prune: Bool = true) {
        let filters = bias.count, k = kernelTime * kernelBands
        precondition(kernelTime % 2 == 1 && weight.count == filters * k && bn.channels == filters)
        let sign = bn.scale.map { $0 < 0 ? Float(-1) : 1 }
        let kernel = weight.indices.map { weight[$0] * sign[$0 / k] }
        self.filters = filters
        self.kernelTime = kernelTime
        self.kernelBands = kernelBands
        self.full = ChannelPlan(kernel: kernel, k: k, sign: sign, bias: bias, bn: bn, prune: false)
        self.pruned = ChannelPlan(kernel: kernel, k: k, sign: sign, bias: bias, bn: bn, prune: prune)
    }

    var columnsPerRow: Int { kernelTime * kernelBands }
    func positions(bands: Int) -> Int { bands - kernelBands + 1 }

    /// Scratch for `rows` GEMM rows: (im2col floats, product floats).
    func scratch(rows: Int) -> (columns: Int, product: Int) { (rows * columnsPerRow, rows * full.width) }

    /// Frames per sgemm so that each call has about `rows` rows.
    func chunkFrames(rows: Int, frames: Int, bands: Int) -> Int { min(frames, max(1, rows / positions(bands: bands))) }

    /// - input: `[(frames + kernelTime - 1) x bands]`, the patch with (kernelTime-1)/2 zero frames each side;
    ///   no value larger in magnitude than `maxAbsInput`.
    /// - output: `[frames x filters]` at row stride `outputStride`.
    /// - columns, product: scratch of at least `scratch(rows: chunkFrames * positions)`; reduced: `[filters]`.
    func apply(
        input: UnsafePointer<Float>, maxAbsInput: Float, frames: Int, bands: Int, chunkFrames: Int,
        output: UnsafeMutablePointer<Float>, outputStride: Int,
        columns: UnsafeMutableBufferPointer<Float>, product: UnsafeMutableBufferPointer<Float>,
        reduced: UnsafeMutableBufferPointer<Float>
    ) {
        let plan = pruned.holds(maxAbsInput: maxAbsInput) ? pruned : full
        let p = positions(bands: bands), k = columnsPerRow, n = plan.width
        let chunk = min(chunkFrames, frames)
        precondition(p >= 1 && chunk >= 1 && reduced.count >= n)
        precondition(columns.count >= chunk * p * k && product.count >= chunk * p * n)
        let cols = columns.baseAddress!, prod = product.baseAddress!, maxima = reduced.baseAddress!
        plan.kernel.withUnsafeBufferPointer { w in
            var t0 = 0
            while t0 < frames {
                let count = min(chunk, frames - t0)
                // im2col: row (t, position) = the kernelTime rows of kernelBands values under the kernel.
                for t in 0..<count {
                    for pos in 0..<p {
                        let row = cols + (t * p + pos) * k
                        for dt in 0..<kernelTime {
                            (row + dt * kernelBands).update(from: input + (t0 + t + dt) * bands + pos, count: kernelBands)
                        }
                    }
                }
                BLAS.sgemm(m: count * p, n: n, k: k, a: cols, lda: k, b: w.baseAddress!, ldb: k, transposeB: true,
                           c: prod, ldc: n)
                for t in 0..<count {
                    Epilogue.maxRows(prod + t * p * n, rows: p, width: n, into: maxima)
                    plan.finish(maxima, into: output + (t0 + t) * outputStride, residual: nil)
                }
                t0 += count
            }
        }
    }
}
