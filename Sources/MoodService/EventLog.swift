import Logging
import MoodCore
import MoodSystem
import ServiceLifecycle
import SystemPackage

/// Appends published events to `log.path`, one line each, JSON or text (`log.format`), filtered by
/// `log.events`.
///
/// The hub hands lines over to a `LogWriter`: a queue bounded in bytes (`Settings.queueCapacity`;
/// `receive` never blocks, a line that does not fit is dropped and counted) and one dedicated
/// writer thread that writes them with `write(2)` on an `O_APPEND` descriptor, so every line is one
/// system call and nothing sits in a user-space buffer. `reopen()` (SIGHUP, after logrotate moved
/// the file) goes through the same queue, so lines queued before it land in the old file and lines
/// after it in the new one: none is lost. A failing write (disk full, `EFBIG`, the directory gone)
/// is reported once (`LogWriteHealth`), and so is an episode of dropped lines (`LogQueue`); the
/// daemon keeps publishing on the socket, and the log resumes, with one line saying how many lines
/// were lost, as soon as writing works again. At shutdown the writer gets `Settings.stopDeadline`
/// to write what is queued; a writer stuck in `write(2)` on a disk that hangs is then abandoned,
/// so SIGTERM still exits promptly.
public final class EventLog: Service, EventSubscriber {
    public struct Settings: Sendable {
        /// Bytes of lines the writer may fall behind by; beyond, lines are dropped. 1 MiB holds
        /// ~2,500 mood lines (~400 bytes each): an hour at the default 1.5 s hop, and a hung disk
        /// costs the daemon no more memory than that.
        public var queueCapacity = 1 << 20
        /// Seconds shutdown waits for the writer to write what is queued and sync. 1 s: a healthy
        /// disk writes a full queue in milliseconds, so only a disk that hangs ever reaches it; the
        /// log shuts down last, within the service group's 1.5 s graceful budget (past which the
        /// group cancels, and a cancelled stop abandons the writer at once), so SIGTERM exits 0
        /// within the daemon's 2 s.
        public var stopDeadline = 1.0

        public init(queueCapacity: Int = 1 << 20, stopDeadline: Double = 1.0) {
            self.queueCapacity = queueCapacity
            self.stopDeadline = stopDeadline
        }
    }

    public let path: String
    public let format: Config.LogFormat
    public let events: Set<Config.LoggedEvent>
    public let settings: Settings
    private let clock: any MonotonicClock
    private let writer: LogWriter

    public convenience init(
        path: String, format: Config.LogFormat, events: [Config.LoggedEvent], logger: Logger,
        settings: Settings = Settings(), clock: any MonotonicClock = SystemClock()
    ) {
        self.init(path: path, format: format, events: events, logger: logger, settings: settings, clock: clock, descriptor: nil)
    }

    /// - Parameter descriptor: written to instead of opening `path` (tests: a pipe nobody reads,
    ///   for a disk that hangs in `write(2)`).
    init(
        path: String, format: Config.LogFormat, events: [Config.LoggedEvent], logger: Logger,
        settings: Settings = Settings(), clock: any MonotonicClock = SystemClock(), descriptor: FileDescriptor?
    ) {
        self.path = path
        self.format = format
        self.events = Set(events)
        self.settings = settings
        self.clock = clock
        writer = LogWriter(path: path, descriptor: descriptor, capacity: settings.queueCapacity, logger: logger)
    }

    public convenience init(_ config: Config, logger: Logger) {
        self.init(path: config.logPath, format: config.logFormat, events: config.logEvents, logger: logger)
    }

    /// From the hub, under its lock: filter, format, enqueue. Never waits for the writer.
    public func receive(_ event: MoodEvent, line: [UInt8]) {
        let kind: Config.LoggedEvent
        switch event {
        case .mood: kind = .mood
        case .change: kind = .change
        case .source: kind = .source
        case .hello, .state, .status, .error, .history: return
        }
        guard events.contains(kind) else { return }
        writer.push(.line(format == .json ? line : Array((event.textLine() + "\n").utf8)))
    }

    /// Closes the file and opens `path` afresh, after the lines already queued. Any thread.
    public func reopen() {
        writer.push(.reopen)
    }

    /// Bytes queued for the writer or being written.
    var queuedBytes: Int { writer.queuedBytes }

    /// Lines dropped since the queue last had room (the current episode).
    var droppedLines: Int { writer.droppedLines }

    /// Starts the writer thread and waits for graceful shutdown; then lets the writer write what is
    /// queued, sync and close, for up to `settings.stopDeadline` on the clock, and returns.
    public func run() async throws {
        try writer.start()
        try? await gracefulShutdown()
        _ = await writer.stop(deadline: clock.now.advanced(bySeconds: settings.stopDeadline), clock: clock)
    }
}
