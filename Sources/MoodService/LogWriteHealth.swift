import MoodSystem

/// Whether the event log is being written, as a state machine that decides what to tell the
/// operator: the first failure once, then nothing however long it lasts, then one line when writing
/// works again with the number of lines lost meanwhile. A full disk must not flood the journal
/// with one error per hop.
///
/// One line written is not yet a recovery: on a full file system (or past a file-size limit) a
/// line shorter than the one that failed can still fit in the last bytes, and the next one fails
/// again. Writing counts as working again after `writesToRecover` lines in a row, or when the log
/// closes after at least one (`closing`); until then a new failure belongs to the same episode.
public struct LogWriteHealth: Sendable, Equatable {
    public enum Report: Sendable, Equatable {
        /// The first failure after a healthy period (or at start): report it.
        case failing(SystemError)
        /// Writing works again; `lostLines` lines were dropped meanwhile.
        case recovered(lostLines: Int)
    }

    /// Lines written in a row that end a failure.
    public static let writesToRecover = 2

    /// The failure being sat out, nil while healthy.
    public private(set) var failure: SystemError?
    /// Lines dropped during the current failure, the one that started it included.
    public private(set) var lostLines = 0
    /// Lines written since the last failed one, while a failure is being sat out.
    private var writtenSinceFailure = 0

    public init() {}

    public var isFailing: Bool { failure != nil }

    /// A line could not be written (or, with `lostLine` false, the file not opened at start)
    /// because of `error`.
    public mutating func failed(_ error: SystemError, lostLine: Bool = true) -> Report? {
        if lostLine { lostLines += 1 }
        writtenSinceFailure = 0
        guard failure == nil else { return nil }
        failure = error
        return .failing(error)
    }

    /// A line was written.
    public mutating func succeeded() -> Report? {
        guard failure != nil else { return nil }
        writtenSinceFailure += 1
        guard writtenSinceFailure >= Self.writesToRecover else { return nil }
        return recover()
    }

    /// The log is closing: a failure that a written line has ended is reported as recovered.
    public mutating func closing() -> Report? {
        guard failure != nil, writtenSinceFailure > 0 else { return nil }
        return recover()
    }

    private mutating func recover() -> Report {
        let lost = lostLines
        failure = nil
        lostLines = 0
        writtenSinceFailure = 0
        return .recovered(lostLines: lost)
    }
}
