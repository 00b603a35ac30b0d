/// Decides when a source that says it is reading has gone quiet: no samples for `timeout` seconds
/// (PulseAudio stopped with SIGSTOP, a FIFO or stdin with no writer). Such a source raises no error
/// of its own, so without this the daemon would go on announcing the last mood as if it heard it.
///
/// Pure: the shell (`CaptureService`) tells it what the source said (`opened`, `closed`), feeds it
/// `samplesArrived(at:)` when the sample counter moved and `tick(at:)` on a timer, and turns the
/// actions into `source` events: `.stalled` into `lost` with reason `stalled`, `.resumed` into
/// `recovered`. Times are seconds on any monotonic clock.
///
/// The watchdog watches between the source's own `started`/`recovered` and its `lost`/`ended`, and
/// from the capture's start to its first event (`starting`): an open that never returns (a sound
/// server frozen before the daemon connected: the kernel accepts the connection, nothing answers,
/// libpulse gives up after 30 s and retries as long) is a stall too, or the daemon would say
/// `starting` for as long as the freeze lasts. A source that is reopening after a loss, or gone,
/// says so itself, and a stall that turns into a real loss is handed back to the source (`closed`
/// clears the stall without a `resumed`).
public struct StallWatchdog: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// No samples for `quietSeconds` (at least `timeout`): announce the source lost.
        case stalled(quietSeconds: Double)
        /// Samples again after a stall: announce it recovered.
        case resumed
    }

    /// Seconds without samples that make a stall; 0 turns the watchdog off (`audio.stall_timeout`).
    public let timeout: Double
    public private(set) var isStalled = false
    /// True between the source's `opened` and `closed`.
    public private(set) var isWatching = false
    /// When samples last arrived, or when the source opened.
    private var lastSamples = 0.0

    public init(timeout: Double) {
        precondition(timeout >= 0 && timeout.isFinite, "stall timeout must be finite and not negative")
        self.timeout = timeout
    }

    /// The capture started at `time` and is opening the source for the first time: samples are due
    /// within `timeout`, like after an open. Call it before the source can report anything.
    public mutating func starting(at time: Double) {
        opened(at: time)
    }

    /// The source started or recovered at `time`: samples are due from now.
    public mutating func opened(at time: Double) {
        isWatching = timeout > 0
        isStalled = false
        lastSamples = time
    }

    /// The source was lost or ended (its own event says so): nothing to watch until it opens again.
    public mutating func closed() {
        isWatching = false
        isStalled = false
    }

    /// Samples arrived at `time`.
    public mutating func samplesArrived(at time: Double) -> Action? {
        guard isWatching else { return nil }
        lastSamples = max(lastSamples, time)
        guard isStalled else { return nil }
        isStalled = false
        return .resumed
    }

    /// The timer fired at `time` with no new samples since the last call.
    public mutating func tick(at time: Double) -> Action? {
        guard isWatching, !isStalled else { return nil }
        let quiet = time - lastSamples
        guard quiet >= timeout else { return nil }
        isStalled = true
        return .stalled(quietSeconds: quiet)
    }

    /// How often the shell should tick so a stall is seen within a tenth of `timeout` (and at least
    /// every 0.5 s): the check is one counter read.
    public var tickInterval: Double {
        timeout > 0 ? min(0.5, timeout / 10) : 0.5
    }
}
