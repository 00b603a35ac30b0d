#if canImport(Glibc)
import Glibc
#endif
import MoodSystem
import SystemPackage

/// What systemd's end of `$NOTIFY_SOCKET` sees: a bound `SOCK_DGRAM` socket (the daemon's tests and the
/// end-to-end ones that run `moodd`).
public final class NotifySocket: @unchecked Sendable {
    // @unchecked: `fd` is immutable after init; reads happen on one thread at a time.
    public let path: String
    private let fd: Int32

    /// `path` is a file path or `@name` (abstract namespace).
    public init(path: String) throws {
        self.path = path
        let socket = try FileDescriptor.unixSocket(.datagram)
        fd = socket.rawValue
        do {
            guard let address = UnixSocketAddress(pathOrAbstractName: path) else { throw Errno.invalidArgument }
            try socket.bind(to: address)
        } catch {
            try? socket.close()
            throw SystemError(error as? Errno ?? .ioError, operation: "bind \(path)")
        }
    }

    deinit {
        close(fd)
        if !path.hasPrefix("@") { unlink(path) }
    }

    /// Datagrams received within `timeout` seconds of each other, until none comes.
    public func messages(until timeout: Double = 0.5, max: Int = 100) -> [String] {
        var out: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while out.count < max {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, Int32(timeout * 1000)) == 1 else { break }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { out.append(String(decoding: buffer[..<n], as: UTF8.self)) }
        }
        return out
    }

    /// The next datagram, or nil after `timeout` seconds.
    public func next(timeout: Double = 5) -> String? {
        messages(until: timeout, max: 1).first
    }

    /// What has arrived so far, without waiting.
    public func drain() -> [String] {
        var out: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard n > 0 else { return out }
            out.append(String(decoding: buffer[..<n], as: UTF8.self))
        }
    }
}
