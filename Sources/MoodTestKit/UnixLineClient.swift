#if canImport(Glibc)
import Glibc
#endif
import MoodCore

/// A blocking Unix stream socket client for tests: connect, send, read lines with a timeout.
/// Plain POSIX, so tests see exactly what any client would. One thread at a time.
public final class UnixLineClient: @unchecked Sendable {
    // @unchecked: used by one thread at a time (tests hand it to a helper thread and wait).

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public private(set) var fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0  // consumed prefix of `buffer`

    /// Connects to `path`; `receiveBufferSize` shrinks `SO_RCVBUF` (before connecting) to make a
    /// client that stops reading fall behind sooner.
    public init(path: String, receiveBufferSize: Int? = nil) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        if var size = receiveBufferSize.map(Int32.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            Glibc.close(fd)
            throw Failure(description: "path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw Failure(description: "connect \(path): \(reason)")
        }
    }

    deinit { close() }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Stops sending (`shutdown(SHUT_WR)`); the server sees end of input.
    public func finishSending() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Sends everything (blocking), e.g. `{"cmd":"status"}\n`.
    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    public func send(_ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "send: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    /// The next line without its newline; nil at end of stream (or a reset). Throws after `timeout`
    /// seconds without a whole line.
    public func readLine(timeout: Double = 5) throws -> String? {
        let deadline = Self.now() + timeout
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[start..<newline], as: UTF8.self)
                start = newline + 1
                if start > 65_536 {
                    buffer.removeFirst(start)
                    start = 0
                }
                return line
            }
            let remaining = deadline - Self.now()
            guard remaining > 0 else { throw Failure(description: "no line within \(timeout) s") }
            guard let chunk = try receive(timeout: remaining) else {
                return nil
            }
            buffer += chunk
        }
    }

    /// The next event; nil at end of stream.
    public func readEvent(timeout: Double = 5) throws -> MoodEvent? {
        guard let line = try readLine(timeout: timeout) else { return nil }
        return try MoodEvent(json: line)
    }

    /// Reads and discards until the server closes; returns the bytes read. Throws on timeout.
    public func drainUntilClosed(timeout: Double = 5) throws -> Int {
        let deadline = Self.now() + timeout
        var total = buffer.count - start
        buffer = []
        start = 0
        while true {
            let remaining = deadline - Self.now()
            guard remaining > 0 else { throw Failure(description: "still open after \(timeout) s") }
            guard let chunk = try receive(timeout: remaining) else { return total }
            total += chunk.count
        }
    }

    /// Up to 64 KiB, or nil at end of stream / on a reset.
    private func receive(timeout: Double) throws -> [UInt8]? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, Int32(max(1, (timeout * 1000).rounded(.up))))
        if ready < 0 {
            if errno == EINTR { return [] }
            throw Failure(description: "poll: \(String(cString: strerror(errno)))")
        }
        if ready == 0 { return [] }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 {
            if errno == EINTR || errno == EAGAIN { return [] }
            if errno == ECONNRESET { return nil }
            throw Failure(description: "recv: \(String(cString: strerror(errno)))")
        }
        if n == 0 { return nil }
        return Array(chunk[..<n])
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
