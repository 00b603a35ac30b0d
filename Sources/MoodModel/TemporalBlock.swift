/// A musicnn temporal block: a `[kernelTime x 1]` conv over time applied to every band alone with
/// TF "SAME" padding ((k-1)/2 zeros before, k/2 after), then `+bias`, ReLU, batch norm, and the max
/// over all bands.
///
/// Computed as im2col over time for a chunk of bands at once + one sgemm per chunk, each sgemm row
/// covering several neighbouring frames (`ChannelPlan.blocked`); the max over bands accumulates in a `[frames x width]` scratch. BN signs and constant channels as in `TimbralBlock`.
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
            .blocked(taps: 1, span: kernelTime)
        self.pruned = ChannelPlan(kernel: kernel, k: kernelTime, sign: sign, bias: bias, bn: bn, prune: prune)
            .blocked(taps: 1, span: kernelTime)
    }


    /// Zeros the input needs before the first frame (`padBefore`) and after the last (`padAfter`).
    var padBefore: Int { (kernelTime - 1) / 2 }
    var padAfter: Int { kernelTime / 2 }

    /// Bands per sgemm so that each call of the pruned plan has about `rows` rows.
    func chunkBands(rows: Int, frames: Int, bands: Int) -> Int {
        min(bands, max(1, rows / pruned.rows(positions: frames)))
    }

    /// Bands per sgemm under `plan` for `chunkBands` under the pruned plan: about as many rows.
    private func chunk(_ plan: ChannelPlan, chunkBands: Int, frames: Int) -> Int {
        max(1, chunkBands * pruned.rows(positions: frames) / plan.rows(positions: frames))
    }

    /// Scratch for `chunkBands` bands per sgemm of the pruned plan: (im2col floats, product floats).
    func scratch(chunkBands: Int, frames: Int) -> (columns: Int, product: Int) {
        [pruned, full].reduce((columns: 0, product: 0)) { need, plan in
            let rows = chunk(plan, chunkBands: chunkBands, frames: frames) * plan.rows(positions: frames)
            return (max(need.columns, rows * plan.columnsPerRow(taps: 1, span: kernelTime)),
                    max(need.product, rows * plan.gemmWidth))
        }
    }

    /// - input: `[bands x rowStride]` band-major; band b's frame t is at `b * rowStride + leftPad + t`,
    ///   with at least `padBefore` zeros before frame 0 (`leftPad >= padBefore`) and `padAfter` after the last;
    ///   no value larger in magnitude than `maxAbsInput`.
    /// - output: `[frames x filters]` at row stride `outputStride`.
    /// - chunkBands: bands per sgemm of the pruned plan (the full plan takes about as many sgemm rows).
    /// - columns, product: scratch of at least `scratch(chunkBands:frames:)`;
    ///   accumulator: `[frames x full.width]`.
    /// - Returns: whether the pruned plan ran (the constant channels hold their values).
    @discardableResult
    func apply(
        input: UnsafePointer<Float>, maxAbsInput: Float, rowStride: Int, leftPad: Int, frames: Int, bands: Int,
        chunkBands: Int, output: UnsafeMutablePointer<Float>, outputStride: Int,
        columns: UnsafeMutableBufferPointer<Float>, product: UnsafeMutableBufferPointer<Float>,
        accumulator: UnsafeMutableBufferPointer<Float>
    ) -> Bool {
        let holds = pruned.holds(maxAbsInput: maxAbsInput)
        let plan = holds ? pruned : full
        let per = plan.positionsPerRow, blocks = plan.rows(positions: frames), window = per + kernelTime - 1
        let k = plan.columnsPerRow(taps: 1, span: kernelTime), width = plan.width, n = plan.gemmWidth
        let chunk = min(chunk(plan, chunkBands: chunkBands, frames: frames), bands)
        precondition(leftPad >= padBefore && rowStride >= leftPad + frames + padAfter && chunkBands >= 1)
        precondition(columns.count >= chunk * blocks * k && product.count >= chunk * blocks * n)
        precondition(accumulator.count >= frames * width)
        let cols = columns.baseAddress!, prod = product.baseAddress!, acc = accumulator.baseAddress!
        let start = leftPad - padBefore  // offset of the first window in a band's row
        let stored = frames + kernelTime - 1  // values from `start` on: padding, frames, padding
        plan.kernel.withUnsafeBufferPointer { w in
            var b0 = 0
            while b0 < bands {
                let count = min(chunk, bands - b0)
                // im2col: row (band, block) = that band's `window` values from frame block * per - padBefore;
                // values past the stored padding (read only for frames past the last) are zeros.
                for b in 0..<count {
                    let source = input + (b0 + b) * rowStride + start
                    for block in 0..<blocks {
                        let first = block * per, have = min(window, stored - first)
                        let row = cols + (b * blocks + block) * k
                        row.update(from: source + first, count: have)
                        if have < window { (row + have).update(repeating: 0, count: window - have) }
                    }
                }
                BLAS.sgemm(m: count * blocks, n: n, k: k, a: cols, lda: k, b: w.baseAddress!, ldb: k, transposeB: true,
                           c: prod, ldc: n)
                // A band's rows are its [blocks * per x width] frames, laid out like the accumulator's
                // [frames x width]; those past the last frame are dropped.
                for b in 0..<count {
                    let rows = prod + b * blocks * n
                    if b0 + b == 0 {
                        acc.update(from: rows, count: frames * width)
                    } else {
                        Epilogue.maxInPlace(acc, rows, count: frames * width)
                    }
                }
                b0 += count
            }
        }
        for t in 0..<frames {
            plan.finish(acc + t * width, into: output + t * outputStride, residual: nil)
        }
        return holds
    }
}
