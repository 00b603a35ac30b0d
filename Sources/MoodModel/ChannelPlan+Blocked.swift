extension ChannelPlan {
    /// The narrowest sgemm n `blocked` aims for. On this machine's OpenBLAS (0.3.21, one thread)
    /// the front end's sgemms ran at 7-31 GMAC/s with n = 4-24 and at 39-47 GMAC/s with n = 64-192.
    static let minimumGEMMWidth = 64

    /// The same plan computing `positionsPerRow` neighbouring output positions of a conv per sgemm row,
    /// so that a plan of few channels still makes a wide sgemm: row `q * width + j` of the new kernel is
    /// channel `j` shifted by `q` positions inside a window of `positionsPerRow + span - 1` inputs per tap.
    /// The im2col then holds one row per `positionsPerRow` positions (less copying), at the price of the
    /// zeros around each shifted kernel (`span / (positionsPerRow + span - 1)` of the products are real).
    ///
    /// - taps, span: the conv's kernel is `[taps x span]` per channel, sliding along the span's axis
    ///   (a timbral block: kernelTime x kernelBands, over bands; a temporal block: 1 x kernelTime, over time).
    func blocked(taps: Int, span: Int) -> ChannelPlan {
        let per = max(1, (Self.minimumGEMMWidth + width - 1) / width)
        precondition(positionsPerRow == 1 && kernel.count == width * taps * span)
        guard per > 1 else { return self }
        let k = taps * span, window = per + span - 1
        var expanded = [Float](repeating: 0, count: per * width * taps * window)
        for q in 0..<per {
            for j in 0..<width {
                for dt in 0..<taps {
                    let to = ((q * width + j) * taps + dt) * window + q, from = j * k + dt * span
                    for s in 0..<span { expanded[to + s] = kernel[from + s] }
                }
            }
        }
        var plan = self
        plan.kernel = expanded
        plan.positionsPerRow = per
        return plan
    }

    /// sgemm n: `positionsPerRow` positions of `width` channels.
    var gemmWidth: Int { positionsPerRow * width }

    /// sgemm k: per tap, the window of inputs under `positionsPerRow` positions.
    func columnsPerRow(taps: Int, span: Int) -> Int { taps * (positionsPerRow + span - 1) }

    /// sgemm rows for `positions` output positions.
    func rows(positions: Int) -> Int { (positions + positionsPerRow - 1) / positionsPerRow }
}
