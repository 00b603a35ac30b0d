import MoodCore
import MoodSystem

/// One command to the daemon on a connection of its own (`GET /api/history`, `GET /api/status`): the
/// reply line as the daemon sent it, or why there is none. Blocking; the server runs it on a thread
/// of its own, so a daemon that does not answer never holds the event loop.
public enum DaemonQuery {
    public enum Failure: Error, CustomStringConvertible {
        case unreachable(String)
        case daemon(String)

        public var description: String {
            switch self {
            case .unreachable(let reason): reason
            case .daemon(let message): message
            }
        }
    }

    /// Sends `command` (one JSON line) and returns the first line whose event is `reply` (an `error`
    /// event instead is `.daemon` with its text). Lines before it (`hello`, `state`, live events) are
    /// skipped. Gives up after `timeout` seconds.
    public static func ask(socketPath: String, command: String, reply: String, timeout: Double = 3) throws(Failure) -> String {
        let deadline = SystemClock.now.advanced(bySeconds: timeout)
        let socket: UnixLineSocket
        do {
            socket = try UnixLineSocket(path: socketPath)
        } catch {
            throw .unreachable("cannot connect to \(socketPath): \(error)")
        }
        defer { socket.close() }
        do {
            try socket.send(Array((command + "\n").utf8))
        } catch {
            throw .unreachable("cannot send to \(socketPath): \(error)")
        }
        while true {
            let bytes: [UInt8]?
            do {
                bytes = try socket.nextLine(deadline: deadline)
            } catch {
                throw .unreachable(error == .timedOut ? "moodd did not answer within \(DecimalFormat(decimals: 3).string(timeout)) s" : "reading from \(socketPath): \(error)")
            }
            guard let bytes else { throw .unreachable("moodd closed the connection") }
            let line = String(decoding: bytes, as: UTF8.self)
            guard let value = try? JSONValue.parse(line), let event = value["event"]?.stringValue else { continue }
            if event == reply { return line }
            if event == "error" { throw .daemon(value["error"]?.stringValue ?? "moodd answered with an error") }
        }
    }
}
