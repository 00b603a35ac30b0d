#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import MoodCore
import ServiceLifecycle
import Synchronization

/// Appends published events to `log.path`, one line each, JSON or text (`log.format`), filtered by
/// `log.events`.
///
/// The hub hands lines over through an unbounded-in-time but bounded-in-size inbox (`receive` never
/// blocks); the service's loop writes them with `write(2)` on an `O_APPEND` descriptor, so every
/// line is one system call and nothing sits in a user-space buffer. `reopen()` (SIGHUP, after
/// logrotate moved the file) goes through the same inbox, so lines queued before it land in the old
/// file and lines after it in the new one: none is lost. A failing write (disk full, `EFBIG`, the
/// directory gone) is reported once (`LogWriteHealth`); the daemon keeps publishing on the socket,
/// and the log resumes, with one line saying how many lines were lost, as soon as a write succeeds.
public final class EventLog: Service, EventSubscriber {
    enum Entry: Sendable {
        case line([UInt8])
        case reopen
    }

    public let path: String
    public let format: Config.LogFormat
    public let events: Set<Config.LoggedEvent>
    private let logger: Logger
    private let inbox: AsyncStream<Entry>
    private let continuation: AsyncStream<Entry>.Continuation
    /// Lines refused because the inbox was full, not yet reported.
    private let overflowed = Atomic<Int>(0)

    /// Lines the inbox can hold while the writer is stuck (a hung disk); beyond, lines are dropped
    /// and counted as lost. At one line per hop this is hours.
    static let inboxCapacity = 16_384

    public init(path: String, format: Config.LogFormat, events: [Config.LoggedEvent], logger: Logger) {
        self.path = path
        self.format = format
        self.events = Set(events)
        self.logger = logger
        (inbox, continuation) = AsyncStream.makeStream(of: Entry.self, bufferingPolicy: .bufferingOldest(Self.inboxCapacity))
    }

    public convenience init(_ config: Config, logger: Logger) {
        self.init(path: config.logPath, format: config.logFormat, events: config.logEvents, logger: logger)
    }

    /// From the hub, under its lock: filter, format, enqueue.
    public func receive(_ event: MoodEvent, line: [UInt8]) {
        let kind: Config.LoggedEvent
        switch event {
        case .mood: kind = .mood
        case .change: kind = .change
        case .source: kind = .source
        case .hello, .state, .status, .error, .history: return
        }
        guard events.contains(kind) else { return }
        let bytes = format == .json ? line : Array((event.textLine() + "\n").utf8)
        if case .dropped = continuation.yield(.line(bytes)) {
            overflowed.add(1, ordering: .relaxed)
        }
    }

    /// Closes the file and opens `path` afresh, after the lines already queued. Any thread.
    public func reopen() {
        continuation.yield(.reopen)
    }

    /// Writes until graceful shutdown, then writes what is still queued, syncs and closes.
    public func run() async throws {
        var file = LogFile(path: path)
        var health = LogWriteHealth()
        defer { file.close() }
        if let error = file.open() { report(health.failed(error, lostLine: false)) }
        await withGracefulShutdownHandler {
            for await entry in inbox {
                switch entry {
                case .reopen:
                    file.close()
                    logger.info("event log reopened", metadata: ["path": "\(path)"])
                case .line(let bytes):
                    if let error = file.append(bytes) {
                        report(health.failed(error))
                    } else {
                        report(health.succeeded())
                    }
                    let dropped = overflowed.exchange(0, ordering: .relaxed)
                    if dropped > 0 {
                        logger.warning("event log fell behind; lines dropped", metadata: ["path": "\(path)", "lost_lines": "\(dropped)"])
                    }
                }
            }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
        file.sync()
    }

    private func report(_ report: LogWriteHealth.Report?) {
        switch report {
        case nil: break
        case .failing(let error):
            logger.error(
                "cannot write the event log; events still go to the socket, logging resumes when writes succeed",
                metadata: ["path": "\(path)", "error": "\(error)"])
        case .recovered(let lost):
            logger.notice("event log writable again", metadata: ["path": "\(path)", "lost_lines": "\(lost)"])
        }
    }
}

/// The log file's descriptor: opened lazily, so a failed open is retried with the next line.
struct LogFile {
    let path: String
    private(set) var fd: Int32 = -1
    /// A failed write left half a line that could not be cut off; the next line starts on a fresh one.
    private var midLine = false

    init(path: String) { self.path = path }

    /// Why `path` cannot be the event log, or nil: it exists and is neither a regular file nor a
    /// character device (`/dev/null`, `/dev/full`, a terminal: opened `O_NONBLOCK`, so a stopped
    /// terminal fails the write instead of blocking it). A FIFO blocks `open` until a reader comes
    /// and `write` whenever the reader stalls. Absent is fine (created on open).
    static func unusableType(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        let kind: String
        switch st.st_mode & S_IFMT {
        case S_IFREG, S_IFCHR: return nil
        case S_IFIFO: kind = "a FIFO"
        case S_IFDIR: kind = "a directory"
        case S_IFBLK: kind = "a block device"
        case S_IFSOCK: kind = "a socket"
        default: kind = "not a regular file"
        }
        return "\(path) is \(kind); the event log must be a regular file (one that can block would stall the daemon)"
    }

    /// `O_APPEND`: concurrent writers (and logrotate's `copytruncate`, were it used) never overwrite.
    /// Only a regular file (or a character device) is used: anything else (a FIFO put at the path)
    /// could block `open` or `write` forever, on the thread shutdown waits for. `O_NONBLOCK` keeps the open
    /// itself from blocking on a FIFO that appeared between the check and the call; `fstat` then
    /// refuses it. For a regular file `O_NONBLOCK` changes nothing.
    mutating func open() -> SystemError? {
        guard fd < 0 else { return nil }
        if let reason = Self.unusableType(path) { return Self.refusal(path, reason) }
        let opened = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0o640)
        guard opened >= 0 else { return SystemError.last("open \(path)") }
        var st = stat()
        guard fstat(opened, &st) == 0, st.st_mode & S_IFMT == S_IFREG || st.st_mode & S_IFMT == S_IFCHR else {
            Glibc.close(opened)
            return Self.refusal(path, Self.unusableType(path) ?? "\(path) is not a regular file")
        }
        fd = opened
        return nil
    }

    private static func refusal(_ path: String, _ reason: String) -> SystemError {
        SystemError(code: EINVAL, operation: "log.path", explanation: reason)
    }

    /// Writes one whole line; on failure returns the error (and keeps the descriptor: a full disk
    /// can free up without a reopen). A line that would cross `RLIMIT_FSIZE` is not started (the
    /// kernel would write the part below the limit); a write cut short anyway (a full disk) is taken
    /// back with `ftruncate` to where the line began. So the file only ever holds whole lines.
    mutating func append(_ line: [UInt8]) -> SystemError? {
        if let error = open() { return error }
        if wouldCrossFileSizeLimit(adding: line.count + (midLine ? 1 : 0)) {
            return SystemError(code: EFBIG, operation: "write \(path)")
        }
        if midLine {
            let (_, error) = [UInt8(ascii: "\n")].withUnsafeBytes { Syscall.writeAll(fd, $0) }
            if let error { return SystemError(code: error, operation: "write \(path)") }
            midLine = false
        }
        let (written, error) = line.withUnsafeBytes { Syscall.writeAll(fd, $0) }
        guard let error else { return nil }
        if written > 0 {
            // O_APPEND: the offset is the end of the file, just past the fragment.
            let end = lseek(fd, 0, SEEK_CUR)
            midLine = end < written || ftruncate(fd, end - off_t(written)) != 0
        }
        return SystemError(code: error, operation: "write \(path)")
    }

    private func wouldCrossFileSizeLimit(adding count: Int) -> Bool {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return false }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return false }
        return UInt64(info.st_size) + UInt64(count) > UInt64(limit.rlim_cur)
    }

    func sync() {
        if fd >= 0 { fdatasync(fd) }
    }

    mutating func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        midLine = false
    }
}
