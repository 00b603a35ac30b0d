/// A mid-end conv's pruned plan read from only those input channels that vary.
///
/// The mid end's inputs are the outputs of the layers before it, and most of those are constants
/// while their blocks run their pruned plans (`ChannelPlan`): 497 of the 561 front-end channels and 44
/// of the 64 of the first mid-end layer in the shipped file. A constant input `v_i` adds
/// `v_i * w[c, dt, i]` to output channel `c` for every kernel tap `dt` that lands on a real frame (the
/// padding rows are zeros), so those taps are summed here once, per tap, and the sgemm runs over the
/// live inputs only: for the first layer, k = 7 x 64 instead of 7 x 561.
///
/// Valid only while the layers that made the inputs ran their pruned plans, so that the constants are
/// the values they wrote; `MidendBlock.apply` is told whether they did and otherwise reads every input.
struct LiveInputPlan: Sendable {
    let kernelTime: Int       // the conv's taps
    let inputs: [Int]         // the input channels that vary, ascending
    let kernel: [Float]       // [plan.width x kernelTime*inputs.count]: the plan's rows, live inputs only
    let tapTerms: [Float]     // [kernelTime x plan.width]: per tap, sum over the constant inputs of v_i * w
    let interiorTerm: [Float] // [plan.width]: all taps' terms, for frames whose taps all land on real frames

    /// - plan: the pruned plan of a conv whose weight rows are `[kernelTime x inputCount]`.
    /// - constants: input channel -> the value it holds while the layers before run pruned.
    /// Nil when no input is constant.
    init?(plan: ChannelPlan, kernelTime: Int, inputCount: Int, constants: [Int: Float]) {
        guard !constants.isEmpty else { return nil }
        let k = kernelTime * inputCount, width = plan.width
        precondition(plan.kernel.count == width * k && constants.keys.allSatisfy { (0..<inputCount).contains($0) })
        let live = (0..<inputCount).filter { constants[$0] == nil }
        var kernel = [Float](repeating: 0, count: width * kernelTime * live.count)
        var tapTerms = [Float](repeating: 0, count: kernelTime * width)
        var interior = [Float](repeating: 0, count: width)
        let fixed = constants.sorted { $0.key < $1.key }
        for j in 0..<width {
            var all = 0.0
            for dt in 0..<kernelTime {
                let row = j * k + dt * inputCount
                for (ii, i) in live.enumerated() {
                    kernel[(j * kernelTime + dt) * live.count + ii] = plan.kernel[row + i]
                }
                // In double, so that the only rounding is the final one.
                let term = fixed.reduce(0.0) { $0 + Double($1.value) * Double(plan.kernel[row + $1.key]) }
                tapTerms[dt * width + j] = Float(term)
                all += term
            }
            interior[j] = Float(all)
        }
        self.kernelTime = kernelTime
        self.inputs = live
        self.kernel = kernel
        self.tapTerms = tapTerms
        self.interiorTerm = interior
    }

    /// sgemm k: kernel taps times live inputs.
    var columnsPerRow: Int { kernelTime * inputs.count }
}
