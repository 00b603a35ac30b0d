/// The musicnn forward pass: a `[frames x bands]` log-mel patch in, the penultimate embedding and the
/// tag probabilities out.
///
/// Immutable and shareable: one `Musicnn` serves any number of streams, each with its own
/// `MusicnnState`. `forward` allocates nothing and runs on the calling thread (OpenBLAS is set to one
/// thread the first time a `Musicnn` is made).
///
/// Each conv is im2col + one OpenBLAS sgemm per chunk, with bias, ReLU, BN and the pooling fused into one
/// pass over the product; channels that the weights make constant are skipped (`ChannelPlan`), the front
/// end's sgemm rows cover several positions each (`ChannelPlan.blocked`), and the mid end reads only
/// the inputs that are not such constants (`LiveInputPlan`).
public struct Musicnn: Sendable {
    public let weights: MusicnnWeights

    public init(weights: MusicnnWeights) {
        _ = BLAS.singleThreaded
        self.weights = weights
    }

    /// Loads the model file at `path` (see `MusicnnWeights.init(file:config:pruneConstantChannels:)`).
    public init(contentsOfFile path: String, config: MusicnnConfig = .msd,
                pruneConstantChannels: Bool = true) throws(ModelFileError) {
        self.init(weights: try MusicnnWeights(contentsOfFile: path, config: config,
                                              pruneConstantChannels: pruneConstantChannels))
    }

    public var config: MusicnnConfig { weights.config }
    /// The file's `input`: the front end and the patch (`config.frames`) this network takes.
    public var input: ModelInput { weights.metadata.input }

    /// A fresh per-stream state for this network.
    public func makeState() -> MusicnnState { MusicnnState(weights: weights) }

    /// Runs one patch.
    /// - patch: `[frames x bands]` row-major, log-mel as the model file's `input` metadata describes.
    /// - state: this stream's scratch, from `makeState()`; afterwards it also holds the intermediates.
    /// - penultimate: receives `[denseUnits]`, the embedding (after the dense layer's ReLU and BN).
    /// - tags: receives `[tagCount]` probabilities, in the order of `weights.metadata.tags`.
    public func forward(
        patch: UnsafeBufferPointer<Float>, state: MusicnnState,
        penultimate: UnsafeMutableBufferPointer<Float>, tags: UnsafeMutableBufferPointer<Float>
    ) {
        let cfg = config
        precondition(state.config == cfg, "state was made for another configuration")
        precondition(patch.count == cfg.frames * cfg.bands, "patch must be [frames x bands]")
        precondition(penultimate.count == cfg.denseUnits && tags.count == cfg.tagCount)
        let maxAbsInput = normalize(patch, into: state)

        let midStride = cfg.midChannels
        let front = state.mid.baseAddress! + state.midPad * midStride  // row 0 of [front | c1 | c2 | c3]
        var column = 0, inputsHold = true  // whether every layer so far ran its pruned plan
        for (block, chunk) in zip(weights.timbral, state.timbralChunkFrames) {
            let holds = block.apply(input: state.input.baseAddress!, maxAbsInput: maxAbsInput, frames: cfg.frames,
                                    bands: cfg.bands, chunkFrames: chunk, output: front + column, outputStride: midStride,
                                    columns: state.columns, product: state.product, reduced: state.reduced)
            inputsHold = inputsHold && holds
            column += block.filters
        }
        for (block, chunk) in zip(weights.temporal, state.temporalChunkBands) {
            let holds = block.apply(input: state.byBand.baseAddress!, maxAbsInput: maxAbsInput, rowStride: state.bandStride,
                                    leftPad: state.bandLeftPad, frames: cfg.frames, bands: cfg.bands, chunkBands: chunk,
                                    output: front + column, outputStride: midStride,
                                    columns: state.columns, product: state.product, accumulator: state.accumulator)
            inputsHold = inputsHold && holds
            column += block.filters
        }
        // c1 = m0(front); c2 = m1(c1) + c1; c3 = m2(c2) + c2. Inputs start midPad rows above row 0.
        var inputColumn = 0
        for (i, block) in weights.midend.enumerated() {
            let input = front - state.midPad * midStride + inputColumn
            let holds = block.apply(input: input, inputStride: midStride, frames: cfg.frames, inputsHold: inputsHold,
                                    output: front + column, outputStride: midStride,
                                    residual: i == 0 ? nil : UnsafePointer(front + inputColumn), residualStride: midStride,
                                    columns: state.columns, product: state.product)
            inputsHold = inputsHold && holds
            inputColumn = column
            column += block.filters
        }
        weights.backend.apply(mid: front, midStride: midStride, frames: cfg.frames,
                              pooled: state.pooled, normalized: state.normalized,
                              penultimate: penultimate, tags: tags)
    }

    /// Convenience for tools and tests (allocates the results): `(penultimate, tags)`.
    public func forward(patch: [Float], state: MusicnnState) -> (penultimate: [Float], tags: [Float]) {
        var penultimate = [Float](repeating: 0, count: config.denseUnits)
        var tags = [Float](repeating: 0, count: config.tagCount)
        patch.withUnsafeBufferPointer { patch in
            penultimate.withUnsafeMutableBufferPointer { pen in
                tags.withUnsafeMutableBufferPointer { tags in
                    forward(patch: patch, state: state, penultimate: pen, tags: tags)
                }
            }
        }
        return (penultimate, tags)
    }

    /// The input batch norm, written into the time-padded `input` and the band-major `byBand`.
    /// Returns the largest magnitude written.
    private func normalize(_ patch: UnsafeBufferPointer<Float>, into state: MusicnnState) -> Float {
        let cfg = config, scale = weights.inputBN.scale[0], shift = weights.inputBN.shift[0]
        let input = state.input.baseAddress! + state.timePad * cfg.bands
        let byBand = state.byBand.baseAddress! + state.bandLeftPad
        for t in 0..<cfg.frames {
            for b in 0..<cfg.bands {
                let v = scale * patch[t * cfg.bands + b] + shift
                input[t * cfg.bands + b] = v
                byBand[b * state.bandStride + t] = v
            }
        }
        return Epilogue.maxAbs(input, count: cfg.frames * cfg.bands)
    }
}
