/// Whether a client takes what is written to it, seen from the writer: writes handed to the socket
/// layer that have not completed yet (the kernel's send buffer is full because the client does not
/// read), and since when none has completed.
///
/// Pure; the shell (`ClientConnection`) calls `wrote(at:)` for each write it hands to NIO and
/// `completed(at:)` when NIO reports it written (or failed). With a small kernel send buffer
/// (`SocketServer.clientSendBuffer`) a client that does not read stalls its writes within a few
/// events, and `stalledSince` says since when; a reader's writes complete within milliseconds.
public struct WriteProgress: Sendable, Equatable {
    /// Writes handed over and not completed.
    public private(set) var outstanding = 0
    /// While writes are outstanding: when the last one completed (or the first was handed over, if
    /// none has completed since). nil when nothing is outstanding.
    public private(set) var stalledSince: Double?

    public init() {}

    /// A write was handed over at `time` (seconds, monotonic).
    public mutating func wrote(at time: Double) {
        if outstanding == 0 { stalledSince = time }
        outstanding += 1
    }

    /// A write completed (or failed) at `time`: the client took something, the clock restarts.
    public mutating func completed(at time: Double) {
        guard outstanding > 0 else { return }
        outstanding -= 1
        stalledSince = outstanding == 0 ? nil : time
    }

    /// Seconds without progress at `time`; 0 when nothing is outstanding.
    public func stalledFor(at time: Double) -> Double {
        stalledSince.map { max(0, time - $0) } ?? 0
    }
}
