#if canImport(Glibc)
import Glibc
#endif

/// musicnn's back end: max and mean over time of every mid-end channel, batch norm, dense + ReLU +
/// batch norm (the penultimate embedding), dense + sigmoid (the tags).
///
/// The file orders the pooled vector interleaved `[max0, mean0, max1, mean1, ...]` (TF's concat on a
/// trailing axis, then flatten). Here it is `[max0..maxC-1, mean0..meanC-1]`, so that both pools are
/// contiguous passes; the pooled BN and the dense weight's columns are permuted to match at load time.
struct BackendBlock: Sendable {
    let channels: Int            // mid-end channels C
    let units: Int               // penultimate size
    let tagCount: Int
    let pooledBN: FoldedBatchNorm  // [2C] in the [max | mean] order
    let dense: [Float]           // [units x 2C], columns in the [max | mean] order
    let denseBias: [Float]       // [units]
    let denseBN: FoldedBatchNorm  // [units]
    let output: [Float]          // [tagCount x units]
    let outputBias: [Float]      // [tagCount]

    /// Arguments in the file's layout and order (pooled interleaved).
    init(pooledBN: FoldedBatchNorm, dense: [Float], denseBias: [Float], denseBN: FoldedBatchNorm,
         output: [Float], outputBias: [Float]) {
        let pooled = pooledBN.channels, units = denseBias.count, tags = outputBias.count
        precondition(pooled % 2 == 0 && dense.count == units * pooled && denseBN.channels == units)
        precondition(output.count == tags * units)
        let channels = pooled / 2
        // New position i holds file position order[i]: max c at 2c, mean c at 2c+1.
        let order = (0..<channels).map { 2 * $0 } + (0..<channels).map { 2 * $0 + 1 }
        var permuted = [Float](repeating: 0, count: dense.count)
        for u in 0..<units {
            for i in 0..<pooled { permuted[u * pooled + i] = dense[u * pooled + order[i]] }
        }
        self.channels = channels
        self.units = units
        self.tagCount = tags
        self.pooledBN = pooledBN.permuted(by: order)
        self.dense = permuted
        self.denseBias = denseBias
        self.denseBN = denseBN
        self.output = output
        self.outputBias = outputBias
    }

    /// - mid: `[frames x channels]` at row stride `midStride`.
    /// - pooled: `[2 * channels]`, receives `[max | mean]` over time; normalized: `[2 * channels]` scratch.
    /// - penultimate: `[units]`; tags: `[tagCount]`, probabilities.
    func apply(
        mid: UnsafePointer<Float>, midStride: Int, frames: Int,
        pooled: UnsafeMutableBufferPointer<Float>, normalized: UnsafeMutableBufferPointer<Float>,
        penultimate: UnsafeMutableBufferPointer<Float>, tags: UnsafeMutableBufferPointer<Float>
    ) {
        let c = channels
        precondition(frames >= 1 && pooled.count >= 2 * c && normalized.count >= 2 * c)
        precondition(penultimate.count >= units && tags.count >= tagCount)
        let maxima = pooled.baseAddress!, sums = maxima + c, x = normalized.baseAddress!
        maxima.update(from: mid, count: c)
        sums.update(from: mid, count: c)
        for t in 1..<frames {
            let row = mid + t * midStride
            Epilogue.maxInPlace(maxima, row, count: c)
            for i in 0..<c { sums[i] += row[i] }
        }
        let inverse = 1 / Float(frames)
        for i in 0..<c { sums[i] *= inverse }
        pooledBN.scale.withUnsafeBufferPointer { scale in
            pooledBN.shift.withUnsafeBufferPointer { shift in
                for i in 0..<(2 * c) { x[i] = scale[i] * maxima[i] + shift[i] }
            }
        }
        let pen = penultimate.baseAddress!, out = tags.baseAddress!
        dense.withUnsafeBufferPointer { w in
            BLAS.sgemm(m: 1, n: units, k: 2 * c, a: x, lda: 2 * c, b: w.baseAddress!, ldb: 2 * c,
                       transposeB: true, c: pen, ldc: units)
        }
        for u in 0..<units {
            let z = pen[u] + denseBias[u]
            pen[u] = denseBN.scale[u] * (z > 0 ? z : 0) + denseBN.shift[u]
        }
        output.withUnsafeBufferPointer { w in
            BLAS.sgemm(m: 1, n: tagCount, k: units, a: pen, lda: units, b: w.baseAddress!, ldb: units,
                       transposeB: true, c: out, ldc: tagCount)
        }
        for j in 0..<tagCount {
            out[j] = 1 / (1 + exp(-(out[j] + outputBias[j])))
        }
    }
}
