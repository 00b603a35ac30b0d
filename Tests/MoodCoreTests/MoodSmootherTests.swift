import Foundation
import MoodCore
import Testing

@Suite struct MoodSmootherTests {
    @Test func firstUpdateAdoptsTheNormalisedInput() {
        var s = MoodSmoother(timeConstant: 3)
        #expect(s.update([2, 1, 1, 0], at: 10) == [0.5, 0.25, 0.25, 0])
        #expect(s.lastTime == 10)
    }

    @Test(arguments: [(1.5, 3.0), (0.5, 3.0), (3.0, 1.0), (0.01, 10.0), (100.0, 1.0)])
    func mixesWithAlphaFromTheElapsedTime(dt: Double, tau: Double) {
        var s = MoodSmoother(timeConstant: tau)
        s.update([1, 0], at: 0)
        let p = s.update([0, 1], at: dt)
        let alpha = 1 - exp(-dt / tau)
        #expect(abs(Double(p[1]) - alpha) < 1e-6)
        #expect(abs(Double(p[0]) - (1 - alpha)) < 1e-6)
        #expect(abs(s.alpha(after: dt) - alpha) < 1e-12)
    }

    /// A step reaches 1 - 1/e after tau seconds whatever the hop: the point of alpha from dt.
    @Test(arguments: [0.25, 0.5, 1.0, 1.5, 3.0])
    func stepResponseIsIndependentOfTheHop(hop: Double) {
        let tau = 3.0
        var s = MoodSmoother(timeConstant: tau)
        s.update([1, 0, 0], at: 0)
        var p: [Float] = []
        for k in 1...Int((tau / hop).rounded()) { p = s.update([0, 1, 0], at: Double(k) * hop) }
        #expect(abs(Double(p[1]) - (1 - exp(-1))) < 1e-5)
    }

    @Test(arguments: [0.0, -1.5])
    func aRepeatedOrEarlierTimeAddsNothing(dt: Double) {
        var s = MoodSmoother(timeConstant: 3)
        s.update([1, 0], at: 5)
        #expect(s.update([0, 1], at: 5 + dt) == [1, 0])
        #expect(s.lastTime == 5)
    }

    @Test func zeroTimeConstantFollowsTheInput() {
        var s = MoodSmoother(timeConstant: 0)
        s.update([1, 0], at: 0)
        #expect(s.update([0.25, 0.75], at: 0) == [0.25, 0.75])
    }

    @Test func resetForgets() {
        var s = MoodSmoother(timeConstant: 3)
        s.update([1, 0], at: 0)
        s.reset()
        #expect(s.probabilities == nil)
        #expect(s.update([0, 1], at: 1) == [0, 1])
    }

    static let normalisationCases: [([Float], [Float])] = [
        ([1, 1, 2], [0.25, 0.25, 0.5]),
        ([-1, 1, 3], [0, 0.25, 0.75]),
        ([.nan, 1, .infinity], [0, 1, 0]),
        ([0, 0], [0.5, 0.5]),
        ([.nan, -.infinity], [0.5, 0.5]),
    ]

    @Test(arguments: normalisationCases)
    func normalisation(raw: [Float], expected: [Float]) {
        #expect(MoodSmoother.normalised(raw) == expected)
    }

    @Test func outputAlwaysSumsToOne() {
        var s = MoodSmoother(timeConstant: 2)
        var generator = SystemRandomNumberGenerator()
        for k in 0..<500 {
            let raw = (0..<5).map { _ in Float.random(in: 0...1, using: &generator) }
            let p = s.update(raw, at: Double(k) * 0.7)
            #expect(abs(p.reduce(0, +) - 1) < 1e-5)
            #expect(p.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
    }
}
