#if canImport(Glibc)
import Glibc
#endif

/// A raw TCP connection to 127.0.0.1 for the HTTP tests: a hostile client writes what no HTTP library
/// would (a 100 KB header, a header a byte at a time, a 2 GB Content-Length), and reads what comes back.
public final class TCPConnection {
    public private(set) var fd: Int32

    /// Connects to 127.0.0.1:`port`. `wait: false` starts the connection and returns at once (a crowd of
    /// connections past the server's backlog would otherwise block in connect).
    public init(port: Int, wait: Bool = true) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | (wait ? 0 : Int32(SOCK_NONBLOCK.rawValue)), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 || (!wait && errno == EINPROGRESS) else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw Failure(description: "connect 127.0.0.1:\(port): \(reason)")
        }
    }

    deinit { close() }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends all of `bytes`; false when the peer closed or reset the connection first.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }

    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// What arrives until the peer closes or `timeout` seconds pass; `closed` says which.
    public func receive(timeout: Double) -> (bytes: [UInt8], closed: Bool) {
        var out: [UInt8] = []
        let deadline = monotonicSeconds() + timeout
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let remaining = deadline - monotonicSeconds()
            guard remaining > 0 else { return (out, false) }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(remaining * 1000) + 1)
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR || errno == EAGAIN { continue }
            guard n > 0 else { return (out, true) }  // end of stream or reset
            out += buffer[0..<n]
        }
    }

    /// One HTTP/1.1 exchange on a fresh connection: the status code and the body (the server closes
    /// the connection: `Connection: close`).
    public static func request(port: Int, _ head: String, body: [UInt8] = [], timeout: Double = 10) throws -> (status: Int, body: String) {
        let connection = try TCPConnection(port: port)
        connection.send(Array(head.utf8) + body)
        let (bytes, _) = connection.receive(timeout: timeout)
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 "), let status = Int(text.dropFirst(9).prefix(3)) else {
            throw Failure(description: "no HTTP response: \(text.prefix(200))")
        }
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (status, body)
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }
}
