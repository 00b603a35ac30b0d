import MoodAudio
import MoodCore
import MoodSystem
import Synchronization

/// The shell around `StallWatchdog`: sits between the capture loop and its event callback, so it
/// sees the source open and close, and is checked on a timer (`CaptureService`) against the loop's
/// sample counter. A stall goes out as a `source` `lost` event with reason `stalled`, the return of
/// samples as `recovered`, through the same callback as the source's own events (so the analysis
/// resets the announced state to `listening`, the hub's `STATUS=` says `source lost`, and the
/// journal gets one line per episode).
///
/// Events are passed on with the lock held, so the stall's events and the source's own are
/// delivered in the order they were decided; `onEvent` must not call back into the monitor.
public final class StallMonitor: Sendable {
    /// The event meaning a stall (`MoodEvent.Source.reason`).
    public static let reason = "stalled"

    private struct State {
        var watchdog: StallWatchdog
        /// The loop's sample count at the previous check.
        var samples = 0
    }

    private let name: String
    private let onEvent: @Sendable (MoodEvent.Source) -> Void
    private let state: Mutex<State>

    /// - Parameters:
    ///   - timeout: `audio.stall_timeout`, seconds; 0 = never report a stall.
    ///   - name: the source's spec text, for the events.
    ///   - onEvent: where every source event goes (`Daemon.reportSource`).
    public init(timeout: Double, name: String, onEvent: @escaping @Sendable (MoodEvent.Source) -> Void) {
        self.name = name
        self.onEvent = onEvent
        state = Mutex(State(watchdog: StallWatchdog(timeout: timeout)))
    }

    /// Seconds between `check`s.
    public var checkInterval: Double { state.withLock { $0.watchdog.tickInterval } }

    /// True while a stall is announced.
    public var isStalled: Bool { state.withLock { $0.watchdog.isStalled } }

    /// The capture loop is about to start (call before `CaptureLoop.start`, so that the source's
    /// first event comes after): its first open is watched too (`StallWatchdog.starting`).
    public func captureStarting(now: Double = SystemClock.now.seconds) {
        state.withLock { $0.watchdog.starting(at: now) }
    }

    /// The capture loop's callback (on its thread): the source's own event, noted and passed on.
    public func sourceDidChange(_ event: MoodEvent.Source, now: Double = SystemClock.now.seconds) {
        state.withLock { state in
            switch event.state {
            case .started, .recovered: state.watchdog.opened(at: now)
            case .lost, .ended: state.watchdog.closed()
            }
            onEvent(event)
        }
    }

    /// Compares the loop's counters with the previous check's, at `now` (monotonic seconds).
    public func check(_ counters: CaptureLoop.Counters, now: Double = SystemClock.now.seconds,
                      wallTime: Timestamp = SystemClock().wallTime) {
        state.withLock { state in
            let moved = counters.samples != state.samples
            state.samples = counters.samples
            let action = moved ? state.watchdog.samplesArrived(at: now) : state.watchdog.tick(at: now)
            switch action {
            case nil:
                return
            case .stalled:
                onEvent(MoodEvent.Source(state: .lost, source: name, overruns: counters.ringOverruns,
                                         lostFrames: counters.lostFrames, time: wallTime, reason: Self.reason))
            case .resumed:
                onEvent(MoodEvent.Source(state: .recovered, source: name, overruns: counters.ringOverruns,
                                         lostFrames: counters.lostFrames, time: wallTime))
            }
        }
    }
}
