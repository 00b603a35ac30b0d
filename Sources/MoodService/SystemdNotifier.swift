import MoodSystem
import SystemPackage

/// `sd_notify(3)` without libsystemd: one datagram per message to `$NOTIFY_SOCKET`.
///
/// The socket is a path (`/run/systemd/notify`) or, with a leading `@`, a name in Linux's abstract
/// namespace. Messages are newline-separated `KEY=VALUE` assignments: `READY=1`, `STATUS=...`,
/// `WATCHDOG=1`, `STOPPING=1`. Each send opens and closes its own `SOCK_DGRAM` socket, as
/// libsystemd does, so nothing stays open between the rare messages.
public struct SystemdNotifier: Sendable, Equatable {
    /// As given in `$NOTIFY_SOCKET`.
    public let socketPath: String

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    /// From `$NOTIFY_SOCKET`; nil when the daemon does not run under systemd's `Type=notify`.
    public init?(environment: [String: String]) {
        guard let path = environment["NOTIFY_SOCKET"], path.hasPrefix("/") || path.hasPrefix("@") else { return nil }
        self.init(socketPath: path)
    }

    /// The watchdog period, from `$WATCHDOG_USEC`, when `$WATCHDOG_PID` is unset or this process
    /// (`sd_watchdog_enabled(3)`); nil when systemd expects no pings.
    public static func watchdogInterval(environment: [String: String], pid: Int32 = FileSystem.processID) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return nil }
        if let owner = environment["WATCHDOG_PID"], Int32(owner) != pid { return nil }
        return .microseconds(Int64(clamping: usec))
    }

    /// Sends one message, e.g. `"READY=1\nSTATUS=listening"`.
    public func notify(_ message: String) throws(SystemError) {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.unixSocket(.datagram)
        } catch {
            throw SystemError(error, operation: "socket for sd_notify")
        }
        defer { try? fd.close() }
        guard let address = UnixSocketAddress(pathOrAbstractName: socketPath) else {
            throw SystemError(.fileNameTooLong, operation: "sd_notify to \(socketPath)")
        }
        do {
            try fd.send(Array(message.utf8), to: address)
        } catch {
            throw SystemError(error, operation: "sd_notify to \(socketPath)")
        }
    }
}
