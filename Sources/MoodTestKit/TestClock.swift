import MoodSystem

/// A `MonotonicClock` whose time moves only when the test says so (`advance`), for services that
/// wait on a clock: a 2 s backoff or a 0.2 s analysis hop then takes microseconds of real time,
/// and what happens at each tick is exact however loaded the machine is.
///
/// Threads waiting on it (`wait(_:until:)`) are registered; `advance` wakes them, and
/// `waitForSleepers` lets the test wait (on a condition, in real time, bounded) until the code under
/// test has done what was due and sleeps again on a deadline still ahead.
public final class TestClock: MonotonicClock, @unchecked Sendable {
    // @unchecked: `current`, `sleepers` and `nextID` are guarded by `state`.
    private let state = ThreadCondition()
    private var current: MonotonicInstant
    private let start: MonotonicInstant
    private let wallStart: Int64
    private var sleepers: [Int: (condition: ThreadCondition, deadline: MonotonicInstant)] = [:]
    private var nextID = 0

    /// - Parameters:
    ///   - start: the first `now` (any value: only differences count).
    ///   - wallMilliseconds: the wall time at `start`, ms since the epoch (2026-11-21T10:00:00Z).
    public init(start: MonotonicInstant = MonotonicInstant(seconds: 1000), wallMilliseconds: Int64 = 1_795_255_200_000) {
        current = start
        self.start = start
        wallStart = wallMilliseconds
    }

    public var now: MonotonicInstant { state.withLock { current } }

    public var wallMilliseconds: Int64 {
        let elapsed = now - start
        return wallStart + elapsed.totalNanoseconds / 1_000_000
    }

    public func wait(_ condition: ThreadCondition, until deadline: MonotonicInstant) {
        let id: Int? = state.withLock {
            guard current < deadline else { return nil }
            nextID += 1
            sleepers[nextID] = (condition, deadline)
            state.broadcast()
            return nextID
        }
        guard let id else { return }
        // The caller holds `condition`'s lock, so `advance` cannot broadcast between the check above
        // and this wait: it needs that lock to broadcast.
        condition.wait(until: nil)
        state.withLock { _ = sleepers.removeValue(forKey: id) }
    }

    /// Moves time forward by `seconds` and wakes every thread waiting on the clock.
    public func advance(bySeconds seconds: Double) {
        let woken = state.withLock { () -> [ThreadCondition] in
            current = current.advanced(bySeconds: seconds)
            state.broadcast()
            return sleepers.values.map(\.condition)
        }
        for condition in woken { condition.withLock { condition.broadcast() } }
    }

    /// Threads waiting on the clock for a deadline still ahead.
    public var sleeperCount: Int {
        state.withLock { sleepers.values.filter { $0.deadline > current }.count }
    }

    /// The earliest deadline a thread waits for, if any is ahead.
    public var nextDeadline: MonotonicInstant? {
        state.withLock { sleepers.values.map(\.deadline).filter { $0 > current }.min() }
    }

    /// Waits until at least `count` threads wait on the clock for a deadline still ahead (the code
    /// under test has done what was due and sleeps again); false after `timeout` seconds of real
    /// time, which only a hung or crashed thread reaches.
    ///
    /// The wait blocks a thread of its own (`SystemThread`), never one of Swift concurrency's: the
    /// cooperative pool has one thread per core (two here), and a test blocking one in a synchronous
    /// wait starves every other test's tasks, including the code under test it waits for.
    @discardableResult
    public func waitForSleepers(_ count: Int = 1, timeout: Double = 10) async -> Bool {
        (try? await SystemThread.run("test clock") { self.blockingWaitForSleepers(count, timeout: timeout) }) ?? false
    }

    /// Advances to the earliest deadline ahead (after waiting for a sleeper), so the test steps
    /// through a backoff schedule without knowing it; the seconds advanced, nil if nobody slept.
    @discardableResult
    public func advanceToNextDeadline(timeout: Double = 10) async -> Double? {
        guard await waitForSleepers(1, timeout: timeout) else { return nil }
        return advanceToNextDeadlineNow()
    }

    /// `advanceToNextDeadline` for code already on a thread of its own (`offPool`).
    @discardableResult
    public func blockingAdvanceToNextDeadline(timeout: Double = 10) -> Double? {
        guard blockingWaitForSleepers(1, timeout: timeout) else { return nil }
        return advanceToNextDeadlineNow()
    }

    private func advanceToNextDeadlineNow() -> Double? {
        guard let next = nextDeadline else { return nil }
        let seconds = (next - now).inSeconds
        advance(bySeconds: seconds)
        return seconds
    }

    /// `waitForSleepers` for code already on a thread of its own (`offPool`): blocks the calling
    /// thread, so never call it from a task.
    @discardableResult
    public func blockingWaitForSleepers(_ count: Int = 1, timeout: Double = 10) -> Bool {
        let deadline = SystemClock.now.advanced(bySeconds: timeout)
        return state.withLock {
            SystemClock().wait(state, until: deadline, orUntil: { sleepers.values.filter { $0.deadline > current }.count >= count })
        }
    }
}
