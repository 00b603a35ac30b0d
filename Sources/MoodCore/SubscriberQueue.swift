import DequeModule

/// The bounded outgoing queue of one client: encoded event lines waiting for the socket.
///
/// Policy when full: **disconnect the laggard**, after one best-effort farewell line. Dropping the
/// oldest lines instead would silently lose `change` events, leaving the client with a wrong idea of
/// the state and no way to tell; a disconnect is visible, and reconnecting gives a fresh `hello` and
/// `state` snapshot, so the client is correct again at once. Either way the daemon never waits for a
/// client: the publisher only ever calls `enqueue`, which is O(1) and bounded. (MPD closes a client
/// whose output buffer passes `max_output_buffer_size`; i3 #3263 is what happens without a bound.)
///
/// The writer side takes `pending` (the unwritten rest of the oldest line), writes what the socket
/// accepts, and reports it with `didWrite(_:)`; partial writes are normal.
public struct SubscriberQueue: Sendable {
    public enum Action: Sendable, Equatable {
        /// Queued behind other lines; the writer is already busy.
        case queued
        /// Queued into an empty queue: wake the writer.
        case wakeWriter
        /// The queue overflowed and is now closed: try one non-blocking write of `farewell` (which
        /// first completes a partly written line, so the client sees whole lines), then close the socket.
        case disconnect(farewell: [UInt8])
        /// The queue was already closed; nothing to do.
        case ignored
    }

    /// Most lines held at once.
    public let maxEvents: Int
    /// Most bytes held at once. A line larger than this is still accepted into an empty queue, so a
    /// large snapshot cannot disconnect a client that keeps up.
    public let maxBytes: Int

    private var lines = Deque<[UInt8]>()  // oldest first
    private var headWritten = 0  // bytes of the oldest line already written
    public private(set) var byteCount = 0  // unwritten bytes held
    public private(set) var isClosed = false

    public init(maxEvents: Int, maxBytes: Int) {
        precondition(maxEvents > 0 && maxBytes > 0, "queue limits must be positive")
        self.maxEvents = maxEvents
        self.maxBytes = maxBytes
    }

    /// Lines held, the partly written one included.
    public var count: Int { lines.count }

    public var isEmpty: Bool { count == 0 }

    public mutating func enqueue(_ line: [UInt8]) -> Action {
        guard !isClosed else { return .ignored }
        let wasEmpty = isEmpty
        if !wasEmpty, count + 1 > maxEvents || byteCount + line.count > maxBytes {
            // A partly written line is finished first so the client sees whole lines.
            var farewell = headWritten > 0 ? Array(lines[0][headWritten...]) : []
            farewell += MoodEvent.error(
                "too slow: \(count) events (\(byteCount) bytes) waiting; disconnecting, reconnect to resynchronise"
            ).jsonLine()
            close()
            return .disconnect(farewell: farewell)
        }
        lines.append(line)
        byteCount += line.count
        return wasEmpty ? .wakeWriter : .queued
    }

    /// Whether a reply to the client's own command may be queued now: the queue is less than half
    /// full (in lines and bytes). Replies are throttled, not punished: the connection stops reading
    /// the client's input while this is false (backpressure), so however many commands a client
    /// pipelines, their replies never fill the queue; the other half stays for published events,
    /// which are what a client that does not read is disconnected for.
    public var hasRoomForReplies: Bool {
        !isClosed && count < max(1, maxEvents / 2) && byteCount < max(1, maxBytes / 2)
    }

    /// The most bytes one reply may take: half the queue. A large reply (`history`) is cut to it.
    public var replyBudget: Int { max(1, maxBytes / 2) }

    /// Whether a reply of `size` bytes may be queued now: `hasRoomForReplies`, and the reply keeps the
    /// queue at most half full, unless the queue is empty (which takes any line, as `enqueue` does).
    /// So a reply never leaves less than half the queue for published events; a large one waits for
    /// the queue to drain, which a reading client's does within milliseconds.
    public func hasRoomForReply(ofSize size: Int) -> Bool {
        hasRoomForReplies && (byteCount == 0 || byteCount + size <= replyBudget)
    }

    /// The unwritten bytes of the oldest line; nil when empty or closed.
    public var pending: ArraySlice<UInt8>? {
        guard !isClosed, let oldest = lines.first else { return nil }
        return oldest[headWritten...]
    }

    /// Records that the writer sent the first `count` bytes of `pending`.
    public mutating func didWrite(_ count: Int) {
        guard !isClosed, let oldest = lines.first else { return }
        precondition(count >= 0 && count <= oldest.count - headWritten, "wrote more than was pending")
        headWritten += count
        byteCount -= count
        if headWritten == oldest.count {
            lines.removeFirst()  // O(1): a ring buffer, its capacity O(maxEvents)
            headWritten = 0
        }
    }

    /// Drops everything; later enqueues are ignored. For a client that went away.
    public mutating func close() {
        isClosed = true
        lines = Deque()
        headWritten = 0
        byteCount = 0
    }
}
