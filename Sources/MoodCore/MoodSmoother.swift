#if canImport(Glibc)
import Glibc
#endif

/// Exponential moving average of class probabilities over irregularly spaced analyses.
///
/// alpha = 1 - exp(-dt / tau) from the actual time between analyses, so a late analysis (the CPU was
/// busy) weighs as much as the time it stands for, and the smoothing does not depend on the hop:
/// a step in the input reaches 63 % after tau seconds whatever the hop. The result is renormalised
/// to sum to 1 after every update (the mix of two distributions already does, up to rounding; the
/// raw input may not: a model's softmax in Float rarely sums to exactly 1).
///
/// The first update after `init` or `reset()` adopts the (normalised) input as it is: there is no
/// history to mix with, and starting from a uniform prior would delay the first announcement by
/// about tau for no benefit.
public struct MoodSmoother: Sendable, Equatable {
    /// The time constant tau, seconds; 0 turns smoothing off (each update returns its input).
    public let timeConstant: Double
    /// The smoothed distribution, nil before the first update and after `reset()`.
    public private(set) var probabilities: [Float]?
    /// Monotonic time of the last update, seconds.
    public private(set) var lastTime: Double?

    public init(timeConstant: Double) {
        precondition(timeConstant.isFinite && timeConstant >= 0, "time constant must be finite and >= 0")
        self.timeConstant = timeConstant
    }

    /// The weight of a new observation `dt` seconds after the previous one, in 0...1.
    /// dt <= 0 (a repeated or out-of-order time) gives 0: the observation adds nothing.
    public func alpha(after dt: Double) -> Double {
        guard timeConstant > 0 else { return 1 }
        guard dt > 0 else { return 0 }
        return 1 - exp(-dt / timeConstant)
    }

    /// Mixes `raw` (one probability per label, as the model gives them) in at monotonic `time`
    /// (seconds) and returns the smoothed, normalised distribution.
    @discardableResult
    public mutating func update(_ raw: [Float], at time: Double) -> [Float] {
        let input = Self.normalised(raw)
        defer { lastTime = max(lastTime ?? time, time) }
        guard let previous = probabilities, let last = lastTime else {
            probabilities = input
            return input
        }
        precondition(previous.count == input.count, "the label count changed; make a new smoother")
        let a = alpha(after: time - last)
        var mixed = [Float](repeating: 0, count: input.count)
        var sum = 0.0
        for i in input.indices {
            let v = (1 - a) * Double(previous[i]) + a * Double(input[i])
            mixed[i] = Float(v)
            sum += v
        }
        if sum > 0 {
            for i in mixed.indices { mixed[i] = Float(Double(mixed[i]) / sum) }
        }
        probabilities = mixed
        return mixed
    }

    /// Forgets the history: the next update starts afresh.
    public mutating func reset() {
        probabilities = nil
        lastTime = nil
    }

    /// `raw` scaled to sum to 1. Negative and non-finite entries count as 0 (a broken model output must
    /// not poison the average forever); if nothing is left, the uniform distribution.
    public static func normalised(_ raw: [Float]) -> [Float] {
        precondition(!raw.isEmpty, "a distribution needs at least one class")
        let cleaned = raw.map { $0.isFinite && $0 > 0 ? Double($0) : 0 }
        let sum = cleaned.reduce(0, +)
        guard sum > 0, sum.isFinite else {
            return [Float](repeating: 1 / Float(raw.count), count: raw.count)
        }
        return cleaned.map { Float($0 / sum) }
    }
}
