import MoodSystem
import MoodTestKit
import Synchronization
import Testing

@Suite struct ClockAndThreadTests {
    @Test func systemThreadReturnsAndRethrows() async throws {
        let value = try await SystemThread.run("test") { 42 }
        #expect(value == 42)
        struct Boom: Error {}
        await #expect(throws: Boom.self) { try await SystemThread.run("test") { () throws -> Int in throw Boom() } }
    }

    /// A thread waiting on the test clock wakes when the clock passes its deadline, not before;
    /// a broadcast on its condition (a stop) wakes it at once.
    @Test func testClockWakesSleepersAtTheirDeadline() async throws {
        let clock = TestClock()
        let condition = ThreadCondition()
        let stopped = Mutex(false)
        let start = clock.now
        let result = Task {
            try await SystemThread.run("sleeper") { () -> (Bool, Double) in
                condition.withLock {
                    let first = clock.wait(condition, until: start.advanced(bySeconds: 2), orUntil: { false })
                    let second = clock.wait(condition, until: start.advanced(bySeconds: 60), orUntil: { stopped.withLock { $0 } })
                    return (!first && second, (clock.now - start).inSeconds)
                }
            }
        }
        // Each `require`: a failed wait ends the test rather than leave the sleeper on a clock that
        // never moves again, which would hang the test run.
        try #require(await clock.waitForSleepers())
        clock.advance(bySeconds: 1.5)
        try #require(await clock.waitForSleepers())  // still asleep: 0.5 s to go
        #expect(await clock.advanceToNextDeadline() == 0.5)
        try #require(await clock.waitForSleepers())  // the second wait, 58 s ahead
        condition.withLock {
            stopped.withLock { $0 = true }
            condition.broadcast()
        }
        let (ok, elapsed) = try await result.value
        #expect(ok)
        #expect(elapsed == 2)
        #expect(clock.wallMilliseconds == 1_795_255_202_000)
    }

    @Test func systemClockWaitsForRealDeadlines() {
        let condition = ThreadCondition()
        let clock = SystemClock()
        let start = clock.now
        let done = condition.withLock { clock.wait(condition, until: start.advanced(bySeconds: 0.02), orUntil: { false }) }
        #expect(!done)
        #expect(clock.now - start >= .milliseconds(20))
    }
}

@Suite struct DoorbellTests {
    /// A consumer sleeping on the doorbell sees every item a producer rings for, in order, with no
    /// timeout expiring (the 10 s timeout would show as a slow test, the missed item as a failure).
    @Test func noRingIsLost() async throws {
        let bell = Doorbell()
        let produced = Atomic<Int>(0)
        let count = 20_000
        let consumer = Task {
            try await SystemThread.run("consumer") { () -> Int in
                var seen = 0
                while seen < count {
                    guard bell.wait(timeout: 10, until: { produced.load(ordering: .acquiring) > seen }) else { return -1 }
                    seen = produced.load(ordering: .acquiring)
                }
                return seen
            }
        }
        try await SystemThread.run("producer") {
            for _ in 0..<count {
                produced.add(1, ordering: .releasing)
                bell.ring()
            }
        }
        #expect(try await consumer.value == count)
    }

    @Test func waitTimesOut() {
        let bell = Doorbell()
        let start = SystemClock.now
        #expect(!bell.wait(timeout: 0.02, until: { false }))
        #expect(SystemClock.now - start >= .milliseconds(20))
    }
}
