import MoodCore
import Testing

@Suite struct StallWatchdogTests {
    @Test func quietForTheTimeoutIsAStallOnceThenSamplesResume() {
        var w = StallWatchdog(timeout: 5)
        w.opened(at: 100)
        #expect(w.tick(at: 104.9) == nil)
        #expect(w.samplesArrived(at: 104.95) == nil)  // flowing: the clock restarts
        #expect(w.tick(at: 109.9) == nil)
        #expect(w.tick(at: 109.95) == .stalled(quietSeconds: 5))
        #expect(w.isStalled)
        #expect(w.tick(at: 130) == nil)  // announced once per episode
        #expect(w.samplesArrived(at: 131) == .resumed)
        #expect(!w.isStalled)
        #expect(w.samplesArrived(at: 131.5) == nil)
        #expect(w.tick(at: 136.4) == nil)
        #expect(w.tick(at: 136.5) == .stalled(quietSeconds: 5))
    }

    @Test func onlyAnOpenSourceIsWatched() {
        var w = StallWatchdog(timeout: 2)
        #expect(w.tick(at: 1000) == nil)  // before `started`: the source is still opening
        w.opened(at: 1000)
        #expect(w.tick(at: 1001.9) == nil)  // the timeout counts from the opening, not from 0
        w.closed()  // lost: the source's own event says so; reopening takes as long as it takes
        #expect(w.tick(at: 1100) == nil)
        #expect(w.samplesArrived(at: 1100) == nil)
        w.opened(at: 1100)  // recovered
        #expect(w.tick(at: 1102) == .stalled(quietSeconds: 2))
    }

    /// A first open that never returns (a frozen sound server accepts the connection and never
    /// answers): a stall `timeout` after the capture started; the source's own `started` then ends it.
    @Test func aFirstOpenThatNeverReturnsIsAStall() {
        var w = StallWatchdog(timeout: 2)
        w.starting(at: 50)
        #expect(w.tick(at: 51.9) == nil)
        #expect(w.tick(at: 52) == .stalled(quietSeconds: 2))
        #expect(w.tick(at: 60) == nil)
        w.opened(at: 70)  // `started` at last: its own event, no `resumed`
        #expect(!w.isStalled)
        #expect(w.samplesArrived(at: 70.1) == nil)
        #expect(w.tick(at: 72.1) == .stalled(quietSeconds: 2))
    }

    /// A source whose first open fails says `lost` itself: nothing to watch while it retries.
    @Test func aFirstOpenThatFailsIsTheSourcesToReport() {
        var w = StallWatchdog(timeout: 2)
        w.starting(at: 0)
        w.closed()  // its `lost` (no server)
        #expect(w.tick(at: 100) == nil)
    }

    @Test func aStallThatBecomesALossIsTheSourcesToReport() {
        var w = StallWatchdog(timeout: 1)
        w.opened(at: 0)
        #expect(w.tick(at: 1) == .stalled(quietSeconds: 1))
        w.closed()  // the server died after it froze: its `lost` follows ours, no `resumed` in between
        #expect(!w.isStalled)
        #expect(w.samplesArrived(at: 2) == nil)
        w.opened(at: 3)  // its `recovered` is the only one
        #expect(w.samplesArrived(at: 3.1) == nil)
    }

    @Test func zeroIsOff() {
        var w = StallWatchdog(timeout: 0)
        w.opened(at: 0)
        #expect(!w.isWatching)
        #expect(w.tick(at: 1e6) == nil)
        #expect(w.samplesArrived(at: 1e6) == nil)
    }

    @Test func ticksOftenEnoughToSeeAStallWithinATenth() {
        #expect(StallWatchdog(timeout: 5).tickInterval == 0.5)
        #expect(StallWatchdog(timeout: 1).tickInterval == 0.1)
        #expect(StallWatchdog(timeout: 0).tickInterval == 0.5)
    }

    @Test func rejectsNonsense() async {
        await #expect(processExitsWith: .failure) { _ = StallWatchdog(timeout: -1) }
        await #expect(processExitsWith: .failure) { _ = StallWatchdog(timeout: .infinity) }
    }
}
