import MoodSystem

/// The analysis loop's thread and its waits. Inference is milliseconds of BLAS per window, back to
/// back for a batch source. On Swift's cooperative pool it would hold one of only two threads on a
/// 2-core station, away from the log writer and every other task. Here it holds its own
/// (`SystemThread`).
///
/// The loop waits between windows with `nap(until:)` on the service's clock, which `stop()` cuts
/// short: graceful shutdown interrupts a wait, never an analysis in flight.
final class AnalysisThread: @unchecked Sendable {
    // @unchecked: `stopping` is read and written only inside `condition.withLock`.
    let clock: any MonotonicClock
    private let condition = ThreadCondition()
    private var stopping = false

    init(clock: any MonotonicClock) {
        self.clock = clock
    }

    /// Runs `body` on a new thread and returns (or rethrows) when it has finished.
    func run(_ body: @escaping @Sendable () throws -> Void) async throws {
        try await SystemThread.run("analysis thread", body)
    }

    /// True once `stop()` was called.
    var isStopping: Bool { condition.withLock { stopping } }

    /// Ends the current and every later `nap`. Any thread, any number of times.
    func stop() {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
    }

    /// Waits until `deadline` on the clock or `stop()`; false when stopping.
    func nap(until deadline: MonotonicInstant) -> Bool {
        condition.withLock {
            !clock.wait(condition, until: deadline, orUntil: { stopping })
        }
    }
}
