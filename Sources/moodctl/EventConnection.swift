import MoodCore
import MoodSystem
import SystemPackage

/// A connection to moodd's socket: MoodSystem's `UnixLineSocket` (blocking, with deadlines), decoding
/// lines with MoodCore's `MoodEvent(jsonLine:)`, and every failure worded for moodctl's one line.
final class EventConnection {
    /// Why talking to the daemon failed; `description` is the one line moodctl prints.
    struct Failure: Error, CustomStringConvertible {
        var description: String
        /// The deadline passed (as opposed to an error): `wait` exits 124 for it.
        var isTimeout = false
    }

    /// A received line and, when it is an event this version knows, the event.
    struct Received {
        var line: [UInt8]
        var event: MoodEvent?
    }

    let path: String
    private let socket: UnixLineSocket
    /// A daemon line is a few hundred bytes; anything far longer is not moodd.
    static let maxLineLength = 1 << 20

    init(path: String) throws(Failure) {
        self.path = path
        do {
            socket = try UnixLineSocket(path: path)
        } catch .fileNameTooLong {
            throw Failure(description: "cannot connect to \(path): the path is too long for a Unix socket (at most 107 bytes)")
        } catch {
            let hint = error == .permissionDenied ? "is your user in the socket's group?" : "is moodd running?"
            throw Failure(description: "cannot connect to \(path): \(error) (\(hint))")
        }
    }

    /// Sends one command line, e.g. `{"cmd":"status"}`.
    func send(_ line: String) throws(Failure) {
        do {
            try socket.send(Array((line + "\n").utf8))
        } catch {
            throw Failure(description: "cannot send to moodd: \(error)")
        }
    }

    /// The next line and its event; nil when moodd closed the connection. `deadline` is a
    /// `CLOCK_MONOTONIC` time in seconds (nil: wait forever).
    func next(deadline: Double?) throws(Failure) -> Received? {
        let line: [UInt8]
        do {
            guard let next = try socket.nextLine(deadline: deadline.map { MonotonicInstant(seconds: $0) },
                                                 maxLineLength: Self.maxLineLength) else { return nil }
            line = next
        } catch {
            switch error {
            case .timedOut: throw Failure(description: "timed out", isTimeout: true)
            case .lineTooLong(let n): throw Failure(description: "moodd sent a line longer than \(n) bytes")
            case .failed(let operation, let errno):
                throw Failure(description: operation == "poll" ? "poll: \(errno)" : "cannot read from moodd: \(errno)")
            }
        }
        do {
            return Received(line: line, event: try MoodEvent(jsonLine: line))
        } catch where error.isUnknownEvent {
            // A later daemon's event: clients skip what they do not know (docs/protocol.md).
            return Received(line: line, event: nil)
        } catch {
            throw Failure(description: "moodd sent a line this moodctl cannot read: \(error)")
        }
    }

    /// Reads the greeting: `hello` then `state`, each with its line.
    func greeting(deadline: Double?) throws(Failure) -> (
        hello: MoodEvent.Hello, helloLine: [UInt8], state: MoodEvent.Snapshot, stateLine: [UInt8]
    ) {
        guard let first = try next(deadline: deadline) else { throw Self.closed }
        if case .error(let reason)? = first.event {
            // Refused (`too many clients`, shutting down): the daemon's own words, not a guess.
            throw Failure(description: "moodd refused the connection: \(reason)")
        }
        guard case .hello(let hello)? = first.event else {
            throw Failure(description: "\(path) did not greet like moodd (expected a hello event)")
        }
        guard hello.protocolVersion == MoodEvent.protocolVersion else {
            throw Failure(description: "moodd speaks protocol \(hello.protocolVersion); this moodctl speaks \(MoodEvent.protocolVersion)")
        }
        guard let second = try next(deadline: deadline) else { throw Self.closed }
        guard case .state(let state)? = second.event else {
            throw Failure(description: "\(path) sent no state after hello")
        }
        return (hello, first.line, state, second.line)
    }

    static let closed = Failure(description: "moodd closed the connection")

    static func now() -> Double { SystemClock.now.seconds }
}
