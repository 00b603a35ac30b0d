import SystemPackage

/// The clock a service that waits is given: monotonic time to schedule by, the wall time for event
/// timestamps, and blocking waits on a `ThreadCondition` that end at a deadline on this clock.
///
/// `SystemClock` is `CLOCK_MONOTONIC`/`CLOCK_REALTIME`; tests pass MoodTestKit's `TestClock`, whose
/// time moves only when the test advances it, so a test of a 2 s backoff or a 0.2 s analysis hop
/// takes microseconds and never depends on how loaded the machine is.
public protocol MonotonicClock: Sendable {
    var now: MonotonicInstant { get }

    /// Milliseconds since the Unix epoch: when an event happened, for people.
    var wallMilliseconds: Int64 { get }

    /// With `condition` locked by the caller: blocks until `deadline` on this clock or a `broadcast`
    /// on `condition`, and returns with it locked again. May return early (a spurious wakeup): the
    /// caller re-checks what it waits for (`wait(_:until:orUntil:)` does).
    func wait(_ condition: ThreadCondition, until deadline: MonotonicInstant)
}

extension MonotonicClock {
    /// With `condition` locked by the caller: waits until `isDone()` holds (checked after every
    /// broadcast) or `deadline` passes; returns `isDone()`. `isDone` reads state the lock guards.
    public func wait(_ condition: ThreadCondition, until deadline: MonotonicInstant, orUntil isDone: () -> Bool) -> Bool {
        while !isDone() {
            if now >= deadline { return false }
            wait(condition, until: deadline)
        }
        return true
    }

    /// Blocks the calling thread until `deadline` on this clock.
    public func sleep(until deadline: MonotonicInstant) {
        let condition = ThreadCondition()
        condition.withLock {
            _ = wait(condition, until: deadline, orUntil: { false })
        }
    }

    public func sleep(seconds: Double) {
        sleep(until: now.advanced(bySeconds: seconds))
    }
}

/// The machine's clocks: `CLOCK_MONOTONIC` to schedule by, `CLOCK_REALTIME` for timestamps.
public struct SystemClock: MonotonicClock {
    public init() {}

    public var now: MonotonicInstant { Self.now }

    public var wallMilliseconds: Int64 { Self.wallMilliseconds }

    public func wait(_ condition: ThreadCondition, until deadline: MonotonicInstant) {
        condition.wait(until: deadline)
    }

    /// `CLOCK_MONOTONIC`.
    public static var now: MonotonicInstant { MonotonicInstant(nanoseconds: Syscall.clock(CLOCK_MONOTONIC_ID)) }

    /// `CLOCK_REALTIME`, milliseconds since the epoch.
    public static var wallMilliseconds: Int64 { Syscall.clock(CLOCK_REALTIME_ID) / 1_000_000 }

    /// `CLOCK_REALTIME`, seconds since the epoch.
    public static var wallSeconds: Double { Double(Syscall.clock(CLOCK_REALTIME_ID)) / 1e9 }

    /// CPU time the calling thread has used, seconds (`CLOCK_THREAD_CPUTIME_ID`).
    public static var threadCPUSeconds: Double { Double(Syscall.clock(CLOCK_THREAD_CPUTIME_ID_)) / 1e9 }

    /// CPU time the whole process has used, seconds (`CLOCK_PROCESS_CPUTIME_ID`).
    public static var processCPUSeconds: Double { Double(Syscall.clock(CLOCK_PROCESS_CPUTIME_ID_)) / 1e9 }

    /// Blocks the calling thread for `seconds` of real time (`nanosleep`, resumed after signals).
    public static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        Syscall.sleep(nanoseconds: Int64((seconds * 1e9).rounded()))
    }
}
