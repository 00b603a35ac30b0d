import MoodSystem
import Synchronization

/// When the analysis loop last completed a tick, for the systemd watchdog: a hung analysis stops
/// the pings and systemd restarts the daemon. On the analysis service's clock.
public final class Heartbeat: Sendable {
    private let clock: any MonotonicClock
    private let lastBeat: Atomic<Int64>  // the clock's instant, ns

    public init(clock: any MonotonicClock = SystemClock()) {
        self.clock = clock
        lastBeat = Atomic(clock.now.nanoseconds)
    }

    /// Called by the analysis loop after each tick.
    public func beat() { lastBeat.store(clock.now.nanoseconds, ordering: .relaxed) }

    /// Seconds since the last beat (or since creation).
    public var age: Double {
        Double(clock.now.nanoseconds - lastBeat.load(ordering: .relaxed)) / 1e9
    }
}
