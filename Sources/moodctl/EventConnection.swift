#if canImport(Glibc)
import Glibc
#endif
import MoodCore

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
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    /// A daemon line is a few hundred bytes; anything far longer is not moodd.
    static let maxLineLength = 1 << 20

    init(path: String) throws(Failure) {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw Failure(description: "cannot connect to \(path): the path is too long for a Unix socket (at most 107 bytes)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        var rc: Int32
        repeat {
            rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        } while rc == -1 && errno == EINTR
        guard rc == 0 else {
            let code = errno
            close(fd)
            let hint = code == EACCES ? "is your user in the socket's group?" : "is moodd running?"
            throw Failure(description: "cannot connect to \(path): \(String(cString: strerror(code))) (\(hint))")
        }
    }

    deinit { close(fd) }

    /// Sends one command line, e.g. `{"cmd":"status"}`.
    func send(_ line: String) throws(Failure) {
        let bytes = Array((line + "\n").utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot send to moodd: \(String(cString: strerror(errno)))")
            }
            done += n
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
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "poll: \(String(cString: strerror(errno)))")
            }
            if ready == 0 { continue }  // the deadline check above ends it
            var chunk = [UInt8](repeating: 0, count: 16_384)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == ECONNRESET { return nil }
                throw Failure(description: "cannot read from moodd: \(String(cString: strerror(errno)))")
            }
            if n == 0 { return nil }
            buffer += chunk[..<n]
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

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
