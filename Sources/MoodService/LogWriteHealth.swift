import MoodSystem

/// Whether the event log is being written, as a state machine that decides what to tell the
/// operator: the first failure once, then nothing however long it lasts, then one line when writing
/// works again with the number of lines lost meanwhile. A full disk must not flood the journal
/// with one error per hop.
public struct LogWriteHealth: Sendable, Equatable {
    public enum Report: Sendable, Equatable {
        /// The first failure after a healthy period (or at start): report it.
        case failing(SystemError)
        /// Writing works again; `lostLines` lines were dropped meanwhile.
        case recovered(lostLines: Int)
    }

    /// The failure being sat out, nil while healthy.
    public private(set) var failure: SystemError?
    /// Lines dropped during the current failure, the one that started it included.
    public private(set) var lostLines = 0

    public init() {}

    public var isFailing: Bool { failure != nil }

    /// A line could not be written (or, with `lostLine` false, the file not opened at start)
    /// because of `error`.
    public mutating func failed(_ error: SystemError, lostLine: Bool = true) -> Report? {
        if lostLine { lostLines += 1 }
        guard failure == nil else { return nil }
        failure = error
        return .failing(error)
    }

    /// A line was written.
    public mutating func succeeded() -> Report? {
        guard failure != nil else { return nil }
        let lost = lostLines
        failure = nil
        lostLines = 0
        return .recovered(lostLines: lost)
    }
}
