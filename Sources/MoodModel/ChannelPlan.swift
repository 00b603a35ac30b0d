/// Which output channels of a conv the sgemm computes; the others are constants.
///
/// Most of MSD_musicnn's channels are dead: weights around 1e-12 (1e-30 in the mid end) against biases
/// around 1, so `scale * |w|_1`, the most the input can move the channel's output per unit of input, is
/// below 2e-9 (next smallest in the file: 9e-3). Such a channel's output is `scale * relu(bias) + shift`
/// up to `gain * max|input|`. Dropping them leaves 23 of 204, 14 of 204, 3, 7 and 17 of 51, and 20, 61 and
/// 63 of 64 channels to compute. The block checks that bound on every input and uses the full plan when
/// it exceeds `tolerance`, so the result never depends on the guess.
struct ChannelPlan: Sendable {
    /// Channels whose gain is at most this are constants.
    static let constantGain: Float = 1e-7
    /// Largest error a constant channel may introduce; beyond it the block computes every channel.
    static let tolerance: Float = 1e-6

    let channels: [Int]    // the output channel of each sgemm column
    let width: Int         // sgemm n: channels.count rounded up to a multiple of 4 (OpenBLAS's kernels
                           // take 4 columns at a time: ~20% faster on n = 52 than on n = 51)
    var kernel: [Float]    // [width x columnsPerRow]: those channels' rows, zero rows after; once
                           // `blocked`, [positionsPerRow * width x taps * (positionsPerRow + span - 1)]
    var positionsPerRow = 1  // output positions one sgemm row computes (see ChannelPlan+Blocked)
    let sign: [Float]      // [width] per sgemm column, as in the blocks (+1 or -1)
    let bias: [Float]      // [width]
    let scale: [Float]     // [width] folded BN
    let shift: [Float]     // [width]
    let constants: [(channel: Int, value: Float)]  // every channel not computed, with its output
    let gain: Float        // max over the constant channels of |scale| * |w|_1; 0 if none

    /// - kernel: `[filters x k]`, rows already multiplied by `sign`.
    /// - prune: whether channels with gain <= `constantGain` become constants.
    init(kernel full: [Float], k: Int, sign: [Float], bias: [Float], bn: FoldedBatchNorm, prune: Bool) {
        let filters = bias.count
        var live: [Int] = [], constants: [(Int, Float)] = [], gain: Float = 0
        for c in 0..<filters {
            let g = abs(bn.scale[c]) * full[(c * k)..<((c + 1) * k)].reduce(0) { $0 + abs($1) }
            if prune && g <= Self.constantGain {
                constants.append((c, bn.scale[c] * max(bias[c], 0) + bn.shift[c]))
                gain = max(gain, g)
            } else {
                live.append(c)
            }
        }
        let width = max(4, (live.count + 3) / 4 * 4)
        func gather(_ values: [Float]) -> [Float] {
            live.map { values[$0] } + [Float](repeating: 0, count: width - live.count)
        }
        self.channels = live
        self.width = width
        self.kernel = live.flatMap { full[($0 * k)..<(($0 + 1) * k)] } + [Float](repeating: 0, count: (width - live.count) * k)
        self.sign = gather(sign)
        self.bias = gather(bias)
        self.scale = gather(bn.scale)
        self.shift = gather(bn.shift)
        self.constants = constants
        self.gain = gain
    }

    /// Channel -> the value it is written (before any residual) while this plan runs.
    var constantOutputs: [Int: Float] { Dictionary(uniqueKeysWithValues: constants.map { ($0.channel, $0.value) }) }

    /// Whether the constants are exact to `tolerance` for an input no larger than `maxAbsInput`.
    func holds(maxAbsInput: Float) -> Bool { gain * maxAbsInput <= Self.tolerance }

    /// Writes the finished channels of one output row: `reduced` holds the sgemm column maxima (or
    /// values), `out` is the row in the output buffer, `residual` the row to add (mid end) or nil.
    @inline(__always)
    func finish(_ reduced: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?) {
        channels.withUnsafeBufferPointer { channels in
            for j in 0..<channels.count {
                let z = sign[j] * reduced[j] + bias[j]
                let c = channels[j]
                out[c] = scale[j] * (z > 0 ? z : 0) + shift[j] + (residual?[c] ?? 0)
            }
        }
        for (c, value) in constants { out[c] = value + (residual?[c] ?? 0) }
    }
}
