#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// Unix-domain sockets as swift-system `FileDescriptor`s (close-on-exec, EINTR retried, `Errno`
/// thrown). NIO does the daemon's socket server; these serve the rest: the stale-socket probe,
/// `sd_notify`, moodctl and the tests' clients and fake servers.
extension FileDescriptor {
    public enum SocketKind: Sendable {
        case stream
        case datagram

        var rawValue: Int32 {
            switch self {
            case .stream: Int32(SOCK_STREAM.rawValue)
            case .datagram: Int32(SOCK_DGRAM.rawValue)
            }
        }
    }

    /// A new `AF_UNIX` socket.
    public static func unixSocket(_ kind: SocketKind) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try Syscall.socket(kind.rawValue))
    }

    /// A new stream socket connected to `address`; closed again if the connect fails.
    public static func connectedUnixSocket(to address: UnixSocketAddress) throws(Errno) -> FileDescriptor {
        let fd = try unixSocket(.stream)
        do {
            try fd.connect(to: address)
        } catch {
            try? fd.close()
            throw error
        }
        return fd
    }

    public func connect(to address: UnixSocketAddress) throws(Errno) {
        try address.withSockaddr { (raw, length) throws(Errno) in try Syscall.connect(rawValue, raw, length) }
    }

    public func bind(to address: UnixSocketAddress) throws(Errno) {
        try address.withSockaddr { (raw, length) throws(Errno) in try Syscall.bind(rawValue, raw, length) }
    }

    public func listen(backlog: Int32) throws(Errno) {
        try Syscall.listen(rawValue, backlog)
    }

    /// The next connection (close-on-exec).
    public func accept() throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try Syscall.accept(rawValue))
    }

    /// One datagram to `address` (`sendto`, `MSG_NOSIGNAL`).
    public func send(_ bytes: [UInt8], to address: UnixSocketAddress) throws(Errno) {
        _ = try address.withSockaddr { (raw, length) throws(Errno) -> Int in
            try bytes.withUnsafeBytes { buffer in Result { () throws(Errno) in try Syscall.sendto(rawValue, buffer, raw, length) } }.get()
        }
    }

    /// Sends all of `bytes` on a connected socket (`MSG_NOSIGNAL`: a closed peer is `EPIPE`).
    public func send(all bytes: [UInt8]) throws(Errno) {
        var done = 0
        while done < bytes.count {
            done += try bytes.withUnsafeBytes { buffer in
                Result { () throws(Errno) in try Syscall.send(rawValue, UnsafeRawBufferPointer(rebasing: buffer[done...])) }
            }.get()
        }
    }

    /// `recv(2)`: bytes received, 0 at end of stream.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try Syscall.recv(rawValue, buffer)
    }

    /// Up to `maxCount` bytes; empty at end of stream.
    public func receive(maxCount: Int) throws(Errno) -> [UInt8] {
        var failure: Errno?
        let bytes = [UInt8](unsafeUninitializedCapacity: maxCount) { buffer, count in
            do {
                count = try Syscall.recv(rawValue, UnsafeMutableRawBufferPointer(buffer))
            } catch let error as Errno {
                failure = error
                count = 0
            } catch {
                failure = .ioError
                count = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Waits up to `milliseconds` (-1: forever) for input (or end of stream); false when the time
    /// passed or a signal interrupted the wait (the caller checks its deadline and calls again).
    public func waitForInput(milliseconds: Int32) throws(Errno) -> Bool {
        try Syscall.poll(rawValue, events: Int16(POLLIN), milliseconds: milliseconds)
    }

    /// `SO_RCVBUF`, before connecting: a client that stops reading falls behind sooner.
    public func setReceiveBufferSize(_ bytes: Int) throws(Errno) {
        try Syscall.setsockopt(rawValue, SO_RCVBUF, Int32(clamping: bytes))
    }

    /// `shutdown(SHUT_WR)`: the peer reads end of stream after what was sent.
    public func finishSending() throws(Errno) {
        try Syscall.shutdown(rawValue, Int32(SHUT_WR))
    }

    /// Bytes sent on this stream socket that the peer has not read yet (`SIOCOUTQ`).
    public func unreadOutput() throws(Errno) -> Int {
        try Syscall.unreadOutput(rawValue)
    }
}
