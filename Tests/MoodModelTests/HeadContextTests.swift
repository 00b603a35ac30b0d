@testable import MoodModel
import MoodTestKit
import Testing

/// The context a head with `context_seconds` reads: the mean of the stream's last patches, the current
/// one included, fewer at a stream's start, forgotten when the stream restarts.
@Suite struct HeadContextTests {
    @Test(arguments: [
        (3.0, 1.5, 3), (3.0, 93.0 * 256 / 16_000, 3), (3.0, 3.0, 2), (3.0, 0.5, 7), (0.0, 1.5, 1),
        (0.75, 1.5, 1),     // 0.5 rounds to even (0), as Python's round: the patch alone
        (2.25, 1.5, 3),     // 1.5 rounds to even (2)
        (60.0, 0.001, HeadContext.maxPatches),
    ])
    func patchesSpanTheSecondsAtTheHop(seconds: Double, hop: Double, patches: Int) {
        #expect(HeadContext.patches(seconds: seconds, hopSeconds: hop) == patches)
    }

    /// Against the mean of the last `patches` inputs pushed since the last restart, computed directly.
    @Test func meansTheLastPatchesOfTheStream() {
        var rng = SeededRandom(seed: 21)
        var context = HeadContext(width: 5, patches: 3)
        var pushed: [[Float]] = []
        var out = [Float](repeating: .nan, count: 5)
        out.withUnsafeMutableBufferPointer { context.mean(into: $0) }
        #expect(out == [0, 0, 0, 0, 0])                 // nothing held yet
        for k in 0..<11 {
            if k == 7 {                                 // a new stream, one patch more at a shorter hop
                context.restart(patches: 4)
                pushed = []
            }
            let x = rng.floats(5, in: -3...3)
            pushed.append(x)
            x.withUnsafeBufferPointer { context.push($0) }
            out.withUnsafeMutableBufferPointer { context.mean(into: $0) }
            let last = pushed.suffix(k < 7 ? 3 : 4)
            let expected = (0..<5).map { i in last.reduce(0.0) { $0 + Double($1[i]) } / Double(last.count) }
            #expect(maxAbsDiff(out, expected) < 1e-6, "patch \(k)")
            #expect(context.count == last.count)
        }
    }
}
