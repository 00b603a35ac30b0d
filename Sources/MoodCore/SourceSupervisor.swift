/// The life of one capture source as a pure state machine: when to open it, when to read, how long
/// to wait before reopening after a loss, and which `source` events to publish. The capture thread
/// (MoodAudio's `CaptureLoop`) feeds it what happened and does what it returns; it never reads a
/// clock (times are monotonic seconds passed in) and never touches a device, so every path is a
/// unit test.
///
/// Events, in the order a client sees them:
/// - `started`: the first successful open.
/// - `lost(reason)`: a live source failed (read error, or an open that failed). Emitted once per
///   outage, not per failed reopen. An open that fails before the first start also emits `lost`,
///   so a daemon started before its sound server says why it is not listening.
/// - `recovered`: the first successful reopen after a `lost` that followed a `started`; carries the
///   outage's length in `gapSeconds` (the shell counts it as lost frames).
/// - `ended(reason)`: the end of a file or pipe (reason nil), a failure retrying cannot fix (a
///   missing file, a format the device refuses), or `stop` (reason `"stopped"`). Nothing follows.
///
/// Reopening backs off exponentially, `Backoff.initial` doubling up to `Backoff.maximum`, forever:
/// with the defaults (0.25 s doubling to 2 s) a server that comes back is noticed within 2 s plus
/// one open.
public struct SourceSupervisor: Sendable, Equatable {
    /// Seconds to wait before reopen attempt `n` (0-based): `min(initial * factor^n, maximum)`.
    public struct Backoff: Sendable, Equatable {
        public let initial: Double
        public let factor: Double
        public let maximum: Double

        /// `initial` > 0, `factor` >= 1, `maximum` >= `initial`, all finite; checked here (traps
        /// otherwise: these are constants of the program, not user input).
        public init(initial: Double = 0.25, factor: Double = 2, maximum: Double = 2) {
            precondition(initial.isFinite && initial > 0, "backoff initial must be finite and > 0")
            precondition(factor.isFinite && factor >= 1, "backoff factor must be finite and >= 1")
            precondition(maximum.isFinite && maximum >= initial, "backoff maximum must be finite and >= initial")
            self.initial = initial
            self.factor = factor
            self.maximum = maximum
        }

        /// Seconds before reopen attempt `attempt` (0 = the first retry after a loss).
        public func delay(attempt: Int) -> Double {
            var d = initial
            for _ in 0..<max(0, attempt) {
                d *= factor
                if d >= maximum { return maximum }
            }
            return min(d, maximum)
        }
    }

    /// What happened, reported by the shell. `now`: monotonic seconds.
    public enum Input: Sendable, Equatable {
        /// The shell's thread is running; nothing opened yet.
        case start(now: Double)
        case opened(now: Double)
        /// `retryable`: the failure may go away by itself (server down, device unplugged, busy).
        case openFailed(reason: String, retryable: Bool, now: Double)
        case readFailed(reason: String, retryable: Bool, now: Double)
        /// The stream ended cleanly (end of file, EOF on the pipe).
        case endOfStream(now: Double)
        /// A `wait` finished.
        case waited(now: Double)
        /// Someone asked the loop to stop.
        case stop(now: Double)
    }

    /// What the shell must do next. After `read` the shell reads until the source fails or ends;
    /// after `finish` it closes the source and exits; `wait` is interruptible by `stop`.
    public enum Action: Sendable, Equatable {
        case open
        case read
        case wait(seconds: Double)
        case finish
        /// Nothing to do: an input that does not apply in this state (e.g. `stop` twice).
        case none
    }

    public struct Event: Sendable, Equatable {
        public var state: MoodEvent.SourceState
        /// The error for `lost`/`ended`; nil for a clean end, `started`, `recovered`.
        public var reason: String?
        /// For `recovered`: seconds from the loss to the reopen.
        public var gapSeconds: Double?

        public init(state: MoodEvent.SourceState, reason: String? = nil, gapSeconds: Double? = nil) {
            self.state = state
            self.reason = reason
            self.gapSeconds = gapSeconds
        }
    }

    /// The result of one input: at most one event to publish, then one action.
    public struct Step: Sendable, Equatable {
        public var event: Event?
        public var action: Action

        public init(event: Event? = nil, action: Action) {
            self.event = event
            self.action = action
        }
    }

    public enum Phase: Sendable, Equatable {
        case idle
        case opening
        case running
        /// Waiting before reopen attempt `attempt`.
        case backingOff(attempt: Int)
        case finished
    }

    public let backoff: Backoff
    public private(set) var phase = Phase.idle
    /// True once a `started` has been emitted.
    public private(set) var hasStarted = false
    /// Monotonic seconds of the current outage's start; nil while not lost.
    public private(set) var lostSince: Double?
    /// Failed reopens in the current outage.
    private var attempt = 0

    public init(backoff: Backoff = Backoff()) {
        self.backoff = backoff
    }

    public mutating func handle(_ input: Input) -> Step {
        if case .stop = input {
            guard phase != .finished else { return Step(action: .none) }
            phase = .finished
            return Step(event: Event(state: .ended, reason: "stopped"), action: .finish)
        }
        switch (phase, input) {
        case (.idle, .start):
            phase = .opening
            return Step(action: .open)

        case (.opening, .opened(let now)):
            phase = .running
            attempt = 0
            defer { lostSince = nil }
            if !hasStarted {
                hasStarted = true
                return Step(event: Event(state: .started), action: .read)
            }
            let gap = lostSince.map { max(0, now - $0) }
            return Step(event: Event(state: .recovered, gapSeconds: gap), action: .read)

        case (.opening, .openFailed(let reason, let retryable, let now)):
            guard retryable else { return end(reason) }
            let first = lostSince == nil
            if first { lostSince = now }
            let delay = backoff.delay(attempt: attempt)
            phase = .backingOff(attempt: attempt)
            attempt += 1
            return Step(event: first ? Event(state: .lost, reason: reason) : nil, action: .wait(seconds: delay))

        case (.running, .readFailed(let reason, let retryable, let now)):
            guard retryable else { return end(reason) }
            lostSince = now
            attempt = 1  // the wait below is attempt 0
            phase = .backingOff(attempt: 0)
            return Step(event: Event(state: .lost, reason: reason), action: .wait(seconds: backoff.delay(attempt: 0)))

        case (.running, .endOfStream), (.opening, .endOfStream):
            phase = .finished
            return Step(event: Event(state: .ended), action: .finish)

        case (.backingOff, .waited):
            phase = .opening
            return Step(action: .open)

        default:
            return Step(action: .none)
        }
    }

    private mutating func end(_ reason: String) -> Step {
        phase = .finished
        return Step(event: Event(state: .ended, reason: reason), action: .finish)
    }
}
