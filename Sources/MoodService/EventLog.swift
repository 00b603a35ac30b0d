import Logging
import MoodCore
import MoodSystem
import ServiceLifecycle
import Synchronization
import SystemPackage

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
    private(set) var fd: FileDescriptor?
    /// A failed write left half a line that could not be cut off; the next line starts on a fresh one.
    private var midLine = false

    init(path: String) { self.path = path }

    /// Why `path` cannot be the event log, or nil: it exists and is neither a regular file nor a
    /// character device (`/dev/null`, `/dev/full`, a terminal: opened `O_NONBLOCK`, so a stopped
    /// terminal fails the write instead of blocking it). A FIFO blocks `open` until a reader comes
    /// and `write` whenever the reader stalls. Absent is fine (created on open).
    static func unusableType(_ path: String) -> String? {
        guard let status = try? FileSystem.status(FilePath(path)) else { return nil }
        let kind: String
        switch status.type {
        case .regular, .characterSpecial: return nil
        case .fifo: kind = "a FIFO"
        case .directory: kind = "a directory"
        case .blockSpecial: kind = "a block device"
        case .socket: kind = "a socket"
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
        guard fd == nil else { return nil }
        if let reason = Self.unusableType(path) { return Self.refusal(path, reason) }
        let opened: FileDescriptor
        do {
            opened = try FileDescriptor.open(
                FilePath(path), .writeOnly, options: [.append, .create, .closeOnExec, .noControllingTerminal, .nonBlocking],
                permissions: [.ownerReadWrite, .groupRead])
        } catch {
            return SystemError(error as? Errno ?? .ioError, operation: "open \(path)")
        }
        guard let type = try? opened.stat().type, type == .regular || type == .characterSpecial else {
            try? opened.close()
            return Self.refusal(path, Self.unusableType(path) ?? "\(path) is not a regular file")
        }
        fd = opened
        return nil
    }

    private static func refusal(_ path: String, _ reason: String) -> SystemError {
        SystemError(.invalidArgument, operation: "log.path").explained(reason)
    }

    /// Writes one whole line; on failure returns the error (and keeps the descriptor: a full disk
    /// can free up without a reopen). A line that would cross `RLIMIT_FSIZE` is not started (the
    /// kernel would write the part below the limit); a write cut short anyway (a full disk) is taken
    /// back with `ftruncate` to where the line began. So the file only ever holds whole lines.
    mutating func append(_ line: [UInt8]) -> SystemError? {
        if let error = open() { return error }
        guard let fd else { return nil }
        if fd.wouldCrossFileSizeLimit(adding: line.count + (midLine ? 1 : 0)) {
            return SystemError(.fileTooLarge, operation: "write \(path)")
        }
        if midLine {
            let (_, error) = [UInt8(ascii: "\n")].withUnsafeBytes { fd.write(fully: $0) }
            if let error { return SystemError(error, operation: "write \(path)") }
            midLine = false
        }
        let (written, error) = line.withUnsafeBytes { fd.write(fully: $0) }
        guard let error else { return nil }
        if written > 0 {
            // O_APPEND: the offset is the end of the file, just past the fragment.
            let end = (try? fd.seek(offset: 0, from: .current)) ?? -1
            midLine = end < written || (try? fd.truncate(to: end - Int64(written))) == nil
        }
        return SystemError(error, operation: "write \(path)")
    }

    func sync() {
        try? fd?.synchronizeData()
    }

    mutating func close() {
        try? fd?.close()
        fd = nil
        midLine = false
    }
}
