import Logging
import MoodSystem
import SystemPackage

/// The event log's writer: one dedicated thread (`SystemThread`) that writes what `LogQueue` holds,
/// so that a disk that hangs in `write(2)`, `fdatasync(2)` or `open(2)` (a dead NFS server, a
/// failing drive) holds that thread only, never one of the cooperative pool's two, the hub's
/// publishers or shutdown. `push` takes the lock for a few instructions and never waits for the
/// writer; `stop` gives it a deadline and then leaves it where it is stuck.
final class LogWriter: @unchecked Sendable {
    // @unchecked: `queue`, `stopping`, `cancelled`, `abandoned` and `finished` are guarded by
    // `condition`; `file` and `health` are touched only by the writer thread once it has started.
    private let condition = ThreadCondition()
    private var queue: LogQueue
    private var stopping = false
    private var cancelled = false
    private var abandoned = false
    private var finished = false
    private var file: LogFile
    private var health = LogWriteHealth()
    private let logger: Logger
    private let capacity: Int

    var path: String { file.path }

    /// - Parameters:
    ///   - descriptor: an open descriptor to write to instead of opening `path` (tests).
    ///   - capacity: bytes the queue holds at most (`LogQueue.capacity`).
    init(path: String, descriptor: FileDescriptor?, capacity: Int, logger: Logger) {
        file = LogFile(path: path, descriptor: descriptor)
        queue = LogQueue(capacity: capacity)
        self.capacity = capacity
        self.logger = logger
    }

    /// Starts the writer thread. Once.
    func start() throws(SystemError) {
        try SystemThread.start("event log") { self.run() }
    }

    /// Queues a line or a reopen; drops a line that does not fit (reported once per episode). Any
    /// thread; never waits for the writer.
    func push(_ entry: LogQueue.Entry) {
        let result = condition.withLock {
            let result = queue.push(entry)
            if result == .queued { condition.broadcast() }
            return result
        }
        if case .dropped(first: true) = result {
            logger.warning(
                "event log writer is behind (a disk that hangs?); dropping lines until it catches up; events still go to the socket",
                metadata: ["path": "\(path)", "queue_bytes": "\(capacity)"])
        }
    }

    /// Bytes queued or being written.
    var queuedBytes: Int { condition.withLock { queue.bytes } }

    /// Lines dropped in the current episode.
    var droppedLines: Int { condition.withLock { queue.dropped } }

    /// Graceful shutdown: the writer writes what is queued, syncs and closes, until `deadline` on
    /// `clock`. Past it (or at once if the task is cancelled) the writer is abandoned where it is
    /// stuck, with one error line, and this returns false: the process can exit around it.
    func stop(deadline: MonotonicInstant, clock: any MonotonicClock) async -> Bool {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
        // The wait is on a thread of its own: it blocks on the clock (so a test clock drives it).
        let done = await withTaskCancellationHandler {
            (try? await SystemThread.run("event log stop") { [self] in
                condition.withLock {
                    _ = clock.wait(condition, until: deadline, orUntil: { finished || cancelled })
                    return finished
                }
            }) ?? false
        } onCancel: {
            condition.withLock {
                cancelled = true
                condition.broadcast()
            }
        }
        guard !done else { return true }
        let unwritten = condition.withLock {
            abandoned = true
            condition.broadcast()
            return queue.lines
        }
        logger.error(
            "event log writer is stuck (a disk that hangs?); shutting down without it",
            metadata: ["path": "\(path)", "unwritten_lines": "\(unwritten)"])
        return false
    }

    /// The writer thread: opens the file, then writes until stopped and drained, or abandoned.
    private func run() {
        if let error = file.open() { report(health.failed(error, lostLine: false)) }
        batches: while let batch = next() {
            for entry in batch {
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
                    let (lost, gone) = condition.withLock { (queue.wrote(bytes), abandoned) }
                    if let lost {
                        logger.notice("event log writer caught up", metadata: ["path": "\(path)", "lost_lines": "\(lost)"])
                    }
                    if gone { break batches }
                }
            }
        }
        if !condition.withLock({ abandoned }) {
            file.sync()
            report(health.closing())
        }
        file.close()
        condition.withLock {
            finished = true
            condition.broadcast()
        }
    }

    /// The next entries to write, waiting for some; nil once stopped with nothing left, or abandoned.
    private func next() -> [LogQueue.Entry]? {
        condition.withLock {
            while queue.isEmpty, !stopping, !abandoned { condition.wait(until: nil) }
            if abandoned || queue.isEmpty { return nil }
            return queue.takeAll()
        }
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
