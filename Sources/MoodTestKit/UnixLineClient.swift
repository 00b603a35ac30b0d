import MoodCore
import MoodSystem
import SystemPackage

/// A blocking Unix stream socket client for tests: connect, send, read lines with a timeout.
/// Plain POSIX, so tests see exactly what any client would. One thread at a time.
public final class UnixLineClient: @unchecked Sendable {
    // @unchecked: used by one thread at a time (tests hand it to a helper thread and wait).

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public private(set) var fd: Int32
    private var descriptor: FileDescriptor { FileDescriptor(rawValue: fd) }
    private var buffer: [UInt8] = []
    private var start = 0  // consumed prefix of `buffer`

    /// Connects to `path`; `receiveBufferSize` shrinks `SO_RCVBUF` (before connecting) to make a
    /// client that stops reading fall behind sooner.
    public init(path: String, receiveBufferSize: Int? = nil) throws {
        guard let address = UnixSocketAddress(path) else { throw Failure(description: "path too long: \(path)") }
        let socket: FileDescriptor
        do {
            socket = try FileDescriptor.unixSocket(.stream)
        } catch {
            throw Failure(description: "socket: \(error)")
        }
        if let size = receiveBufferSize { try? socket.setReceiveBufferSize(size) }
        do {
            try socket.connect(to: address)
        } catch {
            try? socket.close()
            throw Failure(description: "connect \(path): \(error)")
        }
        fd = socket.rawValue
    }

    deinit { close() }

    public func close() {
        if fd >= 0 { try? descriptor.close() }
        fd = -1
    }

    /// Stops sending (`shutdown(SHUT_WR)`); the server sees end of input.
    public func finishSending() {
        try? descriptor.finishSending()
    }

    /// Sends everything (blocking), e.g. `{"cmd":"status"}\n`.
    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    public func send(_ bytes: [UInt8]) throws {
        do {
            try descriptor.send(all: bytes)
        } catch {
            throw Failure(description: "send: \(error)")
        }
    }

    /// The next line without its newline; nil at end of stream (or a reset). Throws after `timeout`
    /// seconds without a whole line.
    public func readLine(timeout: Double = 5) throws -> String? {
        let deadline = SystemClock.now.seconds + timeout
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
            let remaining = deadline - SystemClock.now.seconds
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
        let deadline = SystemClock.now.seconds + timeout
        var total = buffer.count - start
        buffer = []
        start = 0
        while true {
            let remaining = deadline - SystemClock.now.seconds
            guard remaining > 0 else { throw Failure(description: "still open after \(timeout) s") }
            guard let chunk = try receive(timeout: remaining) else { return total }
            total += chunk.count
        }
    }

    /// Up to 64 KiB, or nil at end of stream / on a reset.
    private func receive(timeout: Double) throws -> [UInt8]? {
        do {
            guard try descriptor.waitForInput(milliseconds: Int32(max(1, (timeout * 1000).rounded(.up)))) else { return [] }
        } catch {
            throw Failure(description: "poll: \(error)")
        }
        let chunk: [UInt8]
        do {
            chunk = try descriptor.receive(maxCount: 65_536)
        } catch {
            if error == .resourceTemporarilyUnavailable { return [] }
            if error == .connectionReset { return nil }
            throw Failure(description: "recv: \(error)")
        }
        return chunk.isEmpty ? nil : chunk
    }
}
