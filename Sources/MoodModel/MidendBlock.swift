/// A musicnn mid-end layer: conv `[kernelTime x inputs]` over time (zero-padded (k-1)/2 each side),
/// `+bias`, ReLU, batch norm, and optionally a residual added after the BN.
///
/// Computed as im2col (`[frames x kernelTime*inputs]`) + one sgemm; constant channels as in `TimbralBlock`.
/// While the layers before ran their pruned plans, the im2col and the sgemm take only the inputs that
/// vary (`LiveInputPlan`).
struct MidendBlock: Sendable {
    let filters: Int         // output channels
    let kernelTime: Int      // odd
    let inputs: Int          // input channels
    let full: ChannelPlan    // every channel
    let pruned: ChannelPlan  // without the constant channels (see ChannelPlan)
    let live: LiveInputPlan? // `pruned` over the inputs that vary; nil if no input is constant

    /// `weight` is `[filters x kernelTime x inputs]` as in the model file. `constantInputs`: input channel ->
    /// the value it holds while the layers before run their pruned plans.
    init(weight: [Float], bias: [Float], bn: FoldedBatchNorm, kernelTime: Int, inputs: Int, prune: Bool = true,
         constantInputs: [Int: Float] = [:]) {
        let k = kernelTime * inputs, ones = [Float](repeating: 1, count: bias.count)
        precondition(kernelTime % 2 == 1 && weight.count == bias.count * k && bn.channels == bias.count)
        self.filters = bias.count
        self.kernelTime = kernelTime
        self.inputs = inputs
        self.full = ChannelPlan(kernel: weight, k: k, sign: ones, bias: bias, bn: bn, prune: false)
        self.pruned = ChannelPlan(kernel: weight, k: k, sign: ones, bias: bias, bn: bn, prune: prune)
        self.live = LiveInputPlan(plan: pruned, kernelTime: kernelTime, inputCount: inputs, constants: constantInputs)
    }

    /// Scratch for `frames` frames: (im2col floats, product floats).
    func scratch(frames: Int) -> (columns: Int, product: Int) { (frames * kernelTime * inputs, frames * full.width) }

    /// - input: `[(frames + kernelTime - 1) x inputs]` at row stride `inputStride`: (k-1)/2 zero rows each side.
    /// - inputsHold: whether the layers that wrote `input` ran their pruned plans (its constant channels
    ///   hold the values given to `init`).
    /// - output: `[frames x filters]` at row stride `outputStride`; `residual` (same layout) is added if given.
    /// - Returns: whether this layer ran its pruned plan (its constant outputs hold).
    @discardableResult
    func apply(
        input: UnsafePointer<Float>, inputStride: Int, frames: Int, inputsHold: Bool,
        output: UnsafeMutablePointer<Float>, outputStride: Int,
        residual: UnsafePointer<Float>?, residualStride: Int,
        columns: UnsafeMutableBufferPointer<Float>, product: UnsafeMutableBufferPointer<Float>
    ) -> Bool {
        precondition(inputStride >= inputs && columns.count >= frames * kernelTime * inputs
                     && product.count >= frames * full.width)
        let cols = columns.baseAddress!, prod = product.baseAddress!
        var maxAbs: Float = 0
        for t in 0..<frames {
            maxAbs = max(maxAbs, Epilogue.maxAbs(input + (t + kernelTime / 2) * inputStride, count: inputs))
        }
        let holds = pruned.holds(maxAbsInput: maxAbs)
        let plan = holds ? pruned : full
        let n = plan.width
        if holds, inputsHold, let live {
            let k = live.columnsPerRow
            live.inputs.withUnsafeBufferPointer { channels in
                for t in 0..<frames {
                    for dt in 0..<kernelTime {
                        let row = cols + t * k + dt * channels.count, source = input + (t + dt) * inputStride
                        for (ii, i) in channels.enumerated() { row[ii] = source[i] }
                    }
                }
            }
            live.kernel.withUnsafeBufferPointer { w in
                BLAS.sgemm(m: frames, n: n, k: k, a: cols, lda: k, b: w.baseAddress!, ldb: k, transposeB: true,
                           c: prod, ldc: n)
            }
            addConstantTerms(live, frames: frames, into: prod)
        } else {
            let k = kernelTime * inputs
            for t in 0..<frames {
                for dt in 0..<kernelTime {
                    (cols + t * k + dt * inputs).update(from: input + (t + dt) * inputStride, count: inputs)
                }
            }
            plan.kernel.withUnsafeBufferPointer { w in
                BLAS.sgemm(m: frames, n: n, k: k, a: cols, lda: k, b: w.baseAddress!, ldb: k, transposeB: true,
                           c: prod, ldc: n)
            }
        }
        for t in 0..<frames {
            plan.finish(prod + t * n, into: output + t * outputStride, residual: residual.map { $0 + t * residualStride })
        }
        return holds
    }

    /// Adds the constant inputs' share to each row of the `[frames x width]` product: every tap's for
    /// the frames whose taps all land on real frames, and only the taps that do for the first and last
    /// (kernelTime-1)/2 frames (the others read the zero padding).
    private func addConstantTerms(_ live: LiveInputPlan, frames: Int, into prod: UnsafeMutablePointer<Float>) {
        let n = live.interiorTerm.count, pad = (kernelTime - 1) / 2
        live.interiorTerm.withUnsafeBufferPointer { interior in
            live.tapTerms.withUnsafeBufferPointer { taps in
                for t in 0..<frames {
                    let row = prod + t * n
                    if t >= pad && t + pad < frames {
                        for j in 0..<n { row[j] += interior[j] }
                        continue
                    }
                    // Tap dt reads padded row t + dt, that is frame t + dt - pad.
                    for dt in 0..<kernelTime where (0..<frames).contains(t + dt - pad) {
                        for j in 0..<n { row[j] += taps[dt * n + j] }
                    }
                }
            }
        }
    }
}
