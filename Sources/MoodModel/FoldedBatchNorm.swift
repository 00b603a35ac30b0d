/// Inference batch normalisation folded into one multiply-add per channel:
/// `gamma * (x - mean) / sqrt(var + eps) + beta == scale * x + shift`.
struct FoldedBatchNorm: Sendable, Equatable {
    let scale: [Float]  // [channels] gamma / sqrt(var + eps)
    let shift: [Float]  // [channels] beta - mean * scale

    /// Folds in double precision so that the only rounding is the final one.
    init(gamma: [Float], beta: [Float], mean: [Float], variance: [Float], epsilon: Float) {
        precondition(gamma.count == beta.count && beta.count == mean.count && mean.count == variance.count)
        var scale = [Float](repeating: 0, count: gamma.count)
        var shift = [Float](repeating: 0, count: gamma.count)
        for c in gamma.indices {
            let s = Double(gamma[c]) / (Double(variance[c]) + Double(epsilon)).squareRoot()
            scale[c] = Float(s)
            shift[c] = Float(Double(beta[c]) - Double(mean[c]) * s)
        }
        self.scale = scale
        self.shift = shift
    }

    init(scale: [Float], shift: [Float]) {
        precondition(scale.count == shift.count)
        self.scale = scale
        self.shift = shift
    }

    var channels: Int { scale.count }

    /// The channels in a new order: `permuted(by: p).scale[i] == scale[p[i]]`.
    func permuted(by order: [Int]) -> FoldedBatchNorm {
        FoldedBatchNorm(scale: order.map { scale[$0] }, shift: order.map { shift[$0] })
    }
}
