import MoodSystem
import SystemPackage

/// The log file's descriptor: opened lazily, so a failed open is retried with the next line.
struct LogFile {
    let path: String
    private(set) var fd: FileDescriptor?
    /// A failed write left half a line that could not be cut off; the next line starts on a fresh one.
    private var midLine = false

    /// - Parameter descriptor: an already open descriptor to write to (tests: a pipe nobody reads,
    ///   for a disk that hangs); nil to open `path`.
    init(path: String, descriptor: FileDescriptor? = nil) {
        self.path = path
        fd = descriptor
    }

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
    /// could block `open` or `write` forever (the writer thread is abandoned at shutdown, but the log would be dead). `O_NONBLOCK` keeps the open
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
