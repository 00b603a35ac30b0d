import MoodCore
import MoodSystem
import SystemPackage

/// A connection to moodd's socket: plain POSIX, blocking with deadlines (`poll`), decoding lines
/// with MoodCore's `MoodEvent(jsonLine:)`.
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
    private let fd: FileDescriptor
    private var buffer: [UInt8] = []
    private var start = 0
    /// A daemon line is a few hundred bytes; anything far longer is not moodd.
    static let maxLineLength = 1 << 20

    init(path: String) throws(Failure) {
        self.path = path
        guard let address = UnixSocketAddress(path) else {
            throw Failure(description: "cannot connect to \(path): the path is too long for a Unix socket (at most 107 bytes)")
        }
        do {
            fd = try FileDescriptor.connectedUnixSocket(to: address)
        } catch {
            let hint = error == .permissionDenied ? "is your user in the socket's group?" : "is moodd running?"
            throw Failure(description: "cannot connect to \(path): \(error) (\(hint))")
        }
    }

    deinit { try? fd.close() }

    /// Sends one command line, e.g. `{"cmd":"status"}`.
    func send(_ line: String) throws(Failure) {
        do {
            try fd.send(all: Array((line + "\n").utf8))
        } catch {
            throw Failure(description: "cannot send to moodd: \(error)")
        }
    }

    /// The next line and its event; nil when moodd closed the connection. `deadline` is a
    /// `CLOCK_MONOTONIC` time in seconds (nil: wait forever).
    func next(deadline: Double?) throws(Failure) -> Received? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                if start >= 1 << 16 {
                    buffer.removeFirst(start)
                    start = 0
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
            guard buffer.count - start <= Self.maxLineLength else {
                throw Failure(description: "moodd sent a line longer than \(Self.maxLineLength) bytes")
            }
            var timeout: Int32 = -1
            if let deadline {
                let remaining = deadline - Self.now()
                guard remaining > 0 else { throw Failure(description: "timed out", isTimeout: true) }
                timeout = Int32(min(Double(Int32.max), (remaining * 1000).rounded(.up)))
            }
            do {
                guard try fd.waitForInput(milliseconds: timeout) else { continue }  // the deadline check above ends it
            } catch {
                throw Failure(description: "poll: \(error)")
            }
            let chunk: [UInt8]
            do {
                chunk = try fd.receive(maxCount: 16_384)
            } catch {
                if error == .resourceTemporarilyUnavailable { continue }
                if error == .connectionReset { return nil }
                throw Failure(description: "cannot read from moodd: \(error)")
            }
            if chunk.isEmpty { return nil }
            buffer += chunk
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
