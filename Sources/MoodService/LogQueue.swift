/// What the event log's writer thread has still to do, bounded in bytes, as a state machine that
/// decides when to drop a line and what to tell the operator about it: the first drop of an episode
/// once, then nothing however long it lasts, then one line with the count when the writer has
/// caught up. A hung disk must neither grow the daemon's memory nor flood the journal.
///
/// Not thread-safe: the owner (`LogWriter`) guards it with its lock.
struct LogQueue: Sendable {
    enum Entry: Sendable, Equatable {
        case line([UInt8])
        /// Close the file and open the path afresh (SIGHUP, after logrotate).
        case reopen
    }

    enum Push: Sendable, Equatable {
        case queued
        /// The line did not fit; `first` for the first drop of an episode (report it).
        case dropped(first: Bool)
    }

    /// Bytes the queue holds at most, lines taken by the writer and not yet written included.
    let capacity: Int
    private var entries: [Entry] = []
    /// Bytes of the lines queued or being written.
    private(set) var bytes = 0
    /// Lines queued or being written.
    private(set) var lines = 0
    /// Lines dropped in the current episode; 0 when none is going on.
    private(set) var dropped = 0

    init(capacity: Int) {
        precondition(capacity > 0, "a log queue holds at least one byte")
        self.capacity = capacity
    }

    var isEmpty: Bool { entries.isEmpty }

    /// Queues `entry` unless it would take the queue past `capacity`. A reopen takes no room and
    /// is never dropped (a second one right behind the first adds nothing).
    mutating func push(_ entry: Entry) -> Push {
        switch entry {
        case .reopen:
            if entries.last != .reopen { entries.append(.reopen) }
            return .queued
        case .line(let line):
            guard bytes + line.count <= capacity else {
                dropped += 1
                return .dropped(first: dropped == 1)
            }
            bytes += line.count
            lines += 1
            entries.append(entry)
            return .queued
        }
    }

    /// Everything queued, in order, for the writer; the bytes stay counted until `wrote`.
    mutating func takeAll() -> [Entry] {
        defer { entries = [] }
        return entries
    }

    /// The writer is done with `line` (written or failed). When a drop episode is going on and the
    /// queue has drained to half its capacity (hysteresis: a writer that is merely slow does not
    /// start and end an episode with every line), ends it and returns the lines lost in it.
    mutating func wrote(_ line: [UInt8]) -> Int? {
        bytes -= line.count
        lines -= 1
        guard dropped > 0, bytes <= capacity / 2 else { return nil }
        defer { dropped = 0 }
        return dropped
    }
}
