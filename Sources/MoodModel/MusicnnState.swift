/// The mutable activations of one stream: every buffer the forward pass writes, allocated once here
/// and sized from the configuration. Not shared between threads; one per concurrent stream.
///
/// Zero padding rows are written once, here, and never touched again.
public final class MusicnnState {
    public let config: MusicnnConfig
    /// sgemm rows per call in the front end: large enough for full-speed kernels, small enough that
    /// the im2col and product chunks stay in cache.
    static let rowsPerGEMM = 1024

    let timePad: Int         // (timbralKernelTime-1)/2 zero frames above and below `input`
    let input: UnsafeMutableBufferPointer<Float>        // [(frames + 2*timePad) x bands], normalised patch
    let bandLeftPad: Int     // zeros before frame 0 in each row of `byBand`
    let bandStride: Int      // row length of `byBand`: bandLeftPad + frames + largest padAfter
    let byBand: UnsafeMutableBufferPointer<Float>       // [bands x bandStride], normalised patch transposed
    let midPad: Int          // (midKernelTime-1)/2 zero frames above and below `mid`
    let mid: UnsafeMutableBufferPointer<Float>          // [(frames + 2*midPad) x midChannels]: [front | c1 | c2 | c3]
    let columns: UnsafeMutableBufferPointer<Float>      // im2col scratch, largest need of any layer
    let product: UnsafeMutableBufferPointer<Float>      // sgemm output scratch, largest need of any layer
    let reduced: UnsafeMutableBufferPointer<Float>      // [timbral width] one frame's maxima over positions
    let accumulator: UnsafeMutableBufferPointer<Float>  // [frames x temporal width] maxima over bands
    let pooled: UnsafeMutableBufferPointer<Float>       // [2 x midChannels] max | mean over time
    let normalized: UnsafeMutableBufferPointer<Float>   // [2 x midChannels] pooled after the back end's BN
    let timbralChunkFrames: [Int]   // frames per sgemm, per timbral block
    let temporalChunkBands: [Int]   // bands per sgemm, per temporal block

    /// Sized for `weights`; use it only with a `Musicnn` built from weights of the same configuration.
    public init(weights: MusicnnWeights) {
        let cfg = weights.config, rows = Self.rowsPerGEMM
        config = cfg
        timePad = (cfg.timbralKernelTime - 1) / 2
        input = Self.zeros((cfg.frames + 2 * timePad) * cfg.bands)
        bandLeftPad = weights.temporal.map(\.padBefore).max() ?? 0
        bandStride = bandLeftPad + cfg.frames + (weights.temporal.map(\.padAfter).max() ?? 0)
        byBand = Self.zeros(cfg.bands * bandStride)
        midPad = (cfg.midKernelTime - 1) / 2
        mid = Self.zeros((cfg.frames + 2 * midPad) * cfg.midChannels)
        reduced = Self.zeros(weights.timbral.map(\.full.width).max() ?? 0)
        accumulator = Self.zeros(cfg.frames * (weights.temporal.map(\.full.width).max() ?? 0))
        pooled = Self.zeros(2 * cfg.midChannels)
        normalized = Self.zeros(2 * cfg.midChannels)

        timbralChunkFrames = weights.timbral.map { $0.chunkFrames(rows: rows, frames: cfg.frames, bands: cfg.bands) }
        temporalChunkBands = weights.temporal.map { $0.chunkBands(rows: rows, frames: cfg.frames, bands: cfg.bands) }
        var needs = weights.midend.map { $0.scratch(frames: cfg.frames) }
        for (block, n) in zip(weights.timbral, timbralChunkFrames) {
            needs.append(block.scratch(chunkFrames: n, bands: cfg.bands))
        }
        for (block, n) in zip(weights.temporal, temporalChunkBands) {
            needs.append(block.scratch(chunkBands: n, frames: cfg.frames))
        }
        columns = Self.zeros(needs.map(\.columns).max()!)
        product = Self.zeros(needs.map(\.product).max()!)
    }

    deinit {
        for buffer in [input, byBand, mid, columns, product, reduced, accumulator, pooled, normalized] { buffer.deallocate() }
    }

    /// Bytes this state holds.
    public var byteCount: Int {
        [input, byBand, mid, columns, product, reduced, accumulator, pooled, normalized].reduce(0) { $0 + $1.count } * MemoryLayout<Float>.size
    }

    /// The last patch's front-end output, `[frames x frontChannels]`: timbral convs, then temporal convs.
    public var front: [Float] { midColumns(0..<config.frontChannels) }

    /// The last patch's mid-end output, `[frames x midChannels]`: `[front, c1, c2, c3]`.
    public var midFeatures: [Float] { midColumns(0..<config.midChannels) }

    /// The last patch's max and mean over time of `midFeatures`, `[2 x midChannels]` (max row, then mean row).
    public var pooledFeatures: [Float] { Array(pooled) }

    private func midColumns(_ range: Range<Int>) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(config.frames * range.count)
        for t in 0..<config.frames {
            let row = (midPad + t) * config.midChannels
            out += mid[(row + range.lowerBound)..<(row + range.upperBound)]
        }
        return out
    }

    private static func zeros(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        buffer.initialize(repeating: 0)
        return buffer
    }
}
