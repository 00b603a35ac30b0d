import MoodCore
import Testing

@Suite struct SourceSupervisorTests {
    typealias S = SourceSupervisor

    @Test func backoffDoublesToTheCap() {
        let b = S.Backoff()
        #expect((0..<7).map { b.delay(attempt: $0) } == [0.25, 0.5, 1, 2, 2, 2, 2])
        #expect(b.delay(attempt: 10_000) == 2)  // no overflow to inf for long outages
        let c = S.Backoff(initial: 0.1, factor: 3, maximum: 1)
        #expect((0..<4).map { c.delay(attempt: $0) }.map { ($0 * 1000).rounded() } == [100, 300, 900, 1000])
    }

    @Test func backoffRejectsNonsense() async {
        await #expect(processExitsWith: .failure) { _ = S.Backoff(initial: 0) }
        await #expect(processExitsWith: .failure) { _ = S.Backoff(initial: 1, maximum: 0.5) }
        await #expect(processExitsWith: .failure) { _ = S.Backoff(factor: 0.5) }
        await #expect(processExitsWith: .failure) { _ = S.Backoff(initial: .infinity) }
    }

    @Test func startsThenEndsCleanly() {
        var s = S()
        #expect(s.handle(.start(now: 0)) == S.Step(action: .open))
        #expect(s.handle(.opened(now: 0.1)) == S.Step(event: .init(state: .started), action: .read))
        #expect(s.handle(.endOfStream(now: 5)) == S.Step(event: .init(state: .ended), action: .finish))
        #expect(s.phase == .finished)
        #expect(s.handle(.stop(now: 6)) == S.Step(action: .none))  // nothing after ended
    }

    /// A server that dies at t=10 and returns while the supervisor backs off: one `lost`, waits
    /// 0.25, 0.5, 1, 2, 2, then `recovered` with the outage's length.
    @Test func lossBacksOffAndRecovers() {
        var s = S()
        _ = s.handle(.start(now: 0))
        _ = s.handle(.opened(now: 0))
        #expect(s.handle(.readFailed(reason: "gone", retryable: true, now: 10))
            == S.Step(event: .init(state: .lost, reason: "gone"), action: .wait(seconds: 0.25)))
        var t = 10.25
        var waits: [Double] = []
        for _ in 0..<5 {
            #expect(s.handle(.waited(now: t)) == S.Step(action: .open))
            let step = s.handle(.openFailed(reason: "refused", retryable: true, now: t))
            #expect(step.event == nil)  // lost is reported once per outage
            guard case .wait(let seconds) = step.action else {
                Issue.record("expected a wait, got \(step.action)")
                return
            }
            waits.append(seconds)
            t += seconds
        }
        #expect(waits == [0.5, 1, 2, 2, 2])
        #expect(s.handle(.waited(now: t)) == S.Step(action: .open))
        let back = s.handle(.opened(now: t + 0.01))
        #expect(back.event?.state == .recovered)
        #expect(abs((back.event?.gapSeconds ?? 0) - (t + 0.01 - 10)) < 1e-9)
        #expect(back.action == .read)

        // The next outage starts its backoff from the beginning again.
        #expect(s.handle(.readFailed(reason: "again", retryable: true, now: 100)).action == .wait(seconds: 0.25))
        _ = s.handle(.waited(now: 100.25))
        #expect(s.handle(.openFailed(reason: "x", retryable: true, now: 100.25)).action == .wait(seconds: 0.5))
    }

    /// A server that is not up when the daemon starts: `lost` (with the reason), then `started`.
    @Test func firstOpenFailingReportsLostThenStarted() {
        var s = S()
        _ = s.handle(.start(now: 0))
        #expect(s.handle(.openFailed(reason: "Connection refused", retryable: true, now: 0))
            == S.Step(event: .init(state: .lost, reason: "Connection refused"), action: .wait(seconds: 0.25)))
        _ = s.handle(.waited(now: 0.25))
        #expect(s.handle(.opened(now: 0.3)) == S.Step(event: .init(state: .started), action: .read))
        #expect(s.hasStarted)
        #expect(s.lostSince == nil)
    }

    @Test func unfixableFailuresEnd() {
        var a = S()
        _ = a.handle(.start(now: 0))
        #expect(a.handle(.openFailed(reason: "no such file", retryable: false, now: 0))
            == S.Step(event: .init(state: .ended, reason: "no such file"), action: .finish))
        var b = S()
        _ = b.handle(.start(now: 0))
        _ = b.handle(.opened(now: 0))
        #expect(b.handle(.readFailed(reason: "EIO on pipe", retryable: false, now: 1))
            == S.Step(event: .init(state: .ended, reason: "EIO on pipe"), action: .finish))
    }

    @Test(arguments: [0, 1, 2, 3])
    func stopEndsFromEveryPhase(phase: Int) {
        var s = S()
        if phase >= 1 { _ = s.handle(.start(now: 0)) }  // opening
        if phase >= 2 { _ = s.handle(.opened(now: 0)) }  // running
        if phase >= 3 { _ = s.handle(.readFailed(reason: "x", retryable: true, now: 1)) }  // backing off
        #expect(s.handle(.stop(now: 2)) == S.Step(event: .init(state: .ended, reason: "stopped"), action: .finish))
        #expect(s.handle(.stop(now: 3)) == S.Step(action: .none))
        #expect(s.handle(.waited(now: 3)) == S.Step(action: .none))
        #expect(s.handle(.opened(now: 3)) == S.Step(action: .none))
    }

    @Test func inputsOutOfPlaceAreIgnored() {
        var s = S()
        #expect(s.handle(.opened(now: 0)) == S.Step(action: .none))
        #expect(s.handle(.waited(now: 0)) == S.Step(action: .none))
        _ = s.handle(.start(now: 0))
        #expect(s.handle(.start(now: 0)) == S.Step(action: .none))
        #expect(s.handle(.readFailed(reason: "x", retryable: true, now: 0)) == S.Step(action: .none))
        #expect(s.phase == .opening)
    }
}
