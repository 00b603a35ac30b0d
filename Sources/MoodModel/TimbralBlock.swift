/// A musicnn timbral block: conv `[kernelTime x kernelBands]` over the (time, band) patch, zero-padded
/// in time and valid in frequency, then `+bias`, ReLU, batch norm, and the max over all band positions.
///
/// Computed as im2col + one sgemm per chunk of frames, each sgemm row covering several neighbouring
/// band positions (`ChannelPlan.blocked`). The max over positions commutes with
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
            .blocked(taps: kernelTime, span: kernelBands)
        self.pruned = ChannelPlan(kernel: kernel, k: k, sign: sign, bias: bias, bn: bn, prune: prune)
            .blocked(taps: kernelTime, span: kernelBands)
    }

    /// Multiply-accumulates per output position and channel.
    var columnsPerRow: Int { kernelTime * kernelBands }
    func positions(bands: Int) -> Int { bands - kernelBands + 1 }

    /// Frames per sgemm so that each call of the pruned plan has about `rows` rows.
    func chunkFrames(rows: Int, frames: Int, bands: Int) -> Int {
        min(frames, max(1, rows / pruned.rows(positions: positions(bands: bands))))
    }

    /// Frames per sgemm under `plan` for `chunkFrames` under the pruned plan: about as many rows.
    private func chunk(_ plan: ChannelPlan, chunkFrames: Int, bands: Int) -> Int {
        let p = positions(bands: bands)
        return max(1, chunkFrames * pruned.rows(positions: p) / plan.rows(positions: p))
    }

    /// Scratch for `chunkFrames` frames per sgemm of the pruned plan: (im2col floats, product floats).
    func scratch(chunkFrames: Int, bands: Int) -> (columns: Int, product: Int) {
        [pruned, full].reduce((columns: 0, product: 0)) { need, plan in
            let rows = chunk(plan, chunkFrames: chunkFrames, bands: bands) * plan.rows(positions: positions(bands: bands))
            return (max(need.columns, rows * plan.columnsPerRow(taps: kernelTime, span: kernelBands)),
                    max(need.product, rows * plan.gemmWidth))
        }
    }

    /// - input: `[(frames + kernelTime - 1) x bands]`, the patch with (kernelTime-1)/2 zero frames each side;
    ///   no value larger in magnitude than `maxAbsInput`.
    /// - output: `[frames x filters]` at row stride `outputStride`.
    /// - chunkFrames: frames per sgemm of the pruned plan (the full plan takes about as many sgemm rows).
    /// - columns, product: scratch of at least `scratch(chunkFrames:bands:)`; reduced: `[filters]`.
    /// - Returns: whether the pruned plan ran (the constant channels hold their values).
    @discardableResult
    func apply(
        input: UnsafePointer<Float>, maxAbsInput: Float, frames: Int, bands: Int, chunkFrames: Int,
        output: UnsafeMutablePointer<Float>, outputStride: Int,
        columns: UnsafeMutableBufferPointer<Float>, product: UnsafeMutableBufferPointer<Float>,
        reduced: UnsafeMutableBufferPointer<Float>
    ) -> Bool {
        let holds = pruned.holds(maxAbsInput: maxAbsInput)
        let plan = holds ? pruned : full
        let p = positions(bands: bands), per = plan.positionsPerRow, blocks = plan.rows(positions: p)
        let window = per + kernelBands - 1, k = plan.columnsPerRow(taps: kernelTime, span: kernelBands)
        let width = plan.width, n = plan.gemmWidth
        let chunk = min(chunk(plan, chunkFrames: chunkFrames, bands: bands), frames)
        precondition(p >= 1 && chunkFrames >= 1 && reduced.count >= width)
        precondition(columns.count >= chunk * blocks * k && product.count >= chunk * blocks * n)
        let cols = columns.baseAddress!, prod = product.baseAddress!, maxima = reduced.baseAddress!
        plan.kernel.withUnsafeBufferPointer { w in
            var t0 = 0
            while t0 < frames {
                let count = min(chunk, frames - t0)
                // im2col: row (t, block) = for each of the kernelTime frames under the kernel, the `window`
                // bands from the block's first position; bands past the last (read only for positions past
                // the last) are zeros.
                for t in 0..<count {
                    for block in 0..<blocks {
                        let first = block * per, have = min(window, bands - first)
                        let row = cols + (t * blocks + block) * k
                        for dt in 0..<kernelTime {
                            let to = row + dt * window
                            to.update(from: input + (t0 + t + dt) * bands + first, count: have)
                            if have < window { (to + have).update(repeating: 0, count: window - have) }
                        }
                    }
                }
                BLAS.sgemm(m: count * blocks, n: n, k: k, a: cols, lda: k, b: w.baseAddress!, ldb: k, transposeB: true,
                           c: prod, ldc: n)
                // A frame's rows are its [blocks * per x width] positions; those past the last are dropped.
                for t in 0..<count {
                    Epilogue.maxRows(prod + t * blocks * n, rows: p, width: width, into: maxima)
                    plan.finish(maxima, into: output + (t0 + t) * outputStride, residual: nil)
                }
                t0 += count
            }
        }
        return holds
    }
}
