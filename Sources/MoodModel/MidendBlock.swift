/// A musicnn mid-end layer: conv `[kernelTime x inputs]` over time (zero-padded (k-1)/2 each side),
/// `+bias`, ReLU, batch norm, and optionally a residual added after the BN.
///
/// Computed as im2col (`[frames x kernelTime*inputs]`) + one sgemm; constant channels as in `TimbralBlock`.
struct MidendBlock: Sendable {
    let filters: Int         // output channels
    let kernelTime: Int      // odd
    let inputs: Int          // input channels
    let full: ChannelPlan    // every channel
    let pruned: ChannelPlan  // without the constant channels (see ChannelPlan)

    /// `weight` is `[filters x kernelTime x inputs]` as in the model file.
    init(weight: [Float], bias: [Float], bn: FoldedBatchNorm, kernelTime: Int, inputs: Int, prune: Bool = true) {
        let k = kernelTime * inputs, ones = [Float](repeating: 1, count: bias.count)
        precondition(kernelTime % 2 == 1 && weight.count == bias.count * k && bn.channels == bias.count)
        self.filters = bias.count
        self.kernelTime = kernelTime
        self.inputs = inputs
        self.full = ChannelPlan(kernel: weight, k: k, sign: ones, bias: bias, bn: bn, prune: false)
        self.pruned = ChannelPlan(kernel: weight, k: k, sign: ones, bias: bias, bn: bn, prune: prune)
    }

    /// Scratch for `frames` frames: (im2col floats, product floats).
    func scratch(frames: Int) -> (columns: Int, product: Int) { (frames * kernelTime * inputs, frames * full.width) }

    /// - input: `[(frames + kernelTime - 1) x inputs]` at row stride `inputStride`: (k-1)/2 zero rows each side.
    /// - output: `[frames x filters]` at row stride `outputStride`; `residual` (same layout) is added if given.
    func apply(
        input: UnsafePointer<Float>, inputStride: Int, frames: Int,
        output: UnsafeMutablePointer<Float>, outputStride: Int,
        residual: UnsafePointer<Float>?, residualStride: Int,
        columns: UnsafeMutableBufferPointer<Float>, product: UnsafeMutableBufferPointer<Float>
    ) {
        let k = kernelTime * inputs
        precondition(inputStride >= inputs && columns.count >= frames * k && product.count >= frames * full.width)
        let cols = columns.baseAddress!, prod = product.baseAddress!
        var maxAbs: Float = 0
        for t in 0..<frames {
            for dt in 0..<kernelTime {
                (cols + t * k + dt * inputs).update(from: input + (t + dt) * inputStride, count: inputs)
            }
            maxAbs = max(maxAbs, Epilogue.maxAbs(input + (t + kernelTime / 2) * inputStride, count: inputs))
        }
        let plan = pruned.holds(maxAbsInput: maxAbs) ? pruned : full
        let n = plan.width
        plan.kernel.withUnsafeBufferPointer { w in
            BLAS.sgemm(m: frames, n: n, k: k, a: cols, lda: k, b: w.baseAddress!, ldb: k, transposeB: true,
                       c: prod, ldc: n)
        }
        for t in 0..<frames {
            plan.finish(prod + t * n, into: output + t * outputStride, residual: residual.map { $0 + t * residualStride })
        }
    }
}
