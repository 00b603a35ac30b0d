import SystemPackage

/// The client end of a line protocol over a Unix stream socket: connect, send, and read `\n`-ended
/// lines with a deadline, blocking (`poll`). moodctl talks to moodd with it, and the tests talk to
/// the daemon with it as any client would (MoodTestKit's `UnixLineClient`). One thread at a time.
public final class UnixLineSocket: @unchecked Sendable {
    // @unchecked: used by one thread at a time (its owner hands it over, never shares it).

    /// Why reading a line stopped without one.
    public enum ReadError: Error, Equatable {
        /// The deadline passed before a whole line arrived.
        case timedOut
        /// More than `maxLineLength` bytes arrived without a newline.
        case lineTooLong(Int)
        /// `poll` or `recv` failed (a reset is end of stream, not this).
        case failed(operation: String, Errno)
    }

    public let path: String
    public private(set) var descriptor: FileDescriptor?
    private var buffer: [UInt8] = []
    private var start = 0  // consumed prefix of `buffer`

    /// Connects to `path`. `receiveBufferSize` shrinks `SO_RCVBUF` before connecting (a client that
    /// stops reading then falls behind sooner). Throws `Errno.fileNameTooLong` for a path that does not fit
    /// a `sockaddr_un` (107 bytes).
    public init(path: String, receiveBufferSize: Int? = nil) throws(Errno) {
        self.path = path
        guard let address = UnixSocketAddress(path) else { throw Errno.fileNameTooLong }
        let socket = try FileDescriptor.unixSocket(.stream)
        if let size = receiveBufferSize { try? socket.setReceiveBufferSize(size) }
        do {
            try socket.connect(to: address)
        } catch {
            try? socket.close()
            throw error
        }
        descriptor = socket
    }

    deinit { close() }

    public func close() {
        try? descriptor?.close()
        descriptor = nil
    }

    /// Sends all of `bytes` (blocking).
    public func send(_ bytes: [UInt8]) throws(Errno) {
        guard let descriptor else { throw Errno.badFileDescriptor }
        try descriptor.send(all: bytes)
    }

    /// Stops sending (`shutdown(SHUT_WR)`): the server sees the end of input.
    public func finishSending() {
        try? descriptor?.finishSending()
    }

    /// The next line without its `\n`; nil at the end of the stream (or a reset). `deadline` on
    /// `SystemClock` (nil: wait for ever).
    public func nextLine(deadline: MonotonicInstant?, maxLineLength: Int = 1 << 20) throws(ReadError) -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                if start >= 1 << 16 {
                    buffer.removeFirst(start)
                    start = 0
                }
                return line
            }
            guard buffer.count - start <= maxLineLength else { throw .lineTooLong(maxLineLength) }
            guard let chunk = try receive(deadline: deadline) else { return nil }
            buffer += chunk
        }
    }

    /// Reads and discards until the server closes; the bytes it had sent since the last line.
    public func discardUntilClosed(deadline: MonotonicInstant?) throws(ReadError) -> Int {
        var total = buffer.count - start
        buffer = []
        start = 0
        while let chunk = try receive(deadline: deadline) { total += chunk.count }
        return total
    }

    /// What arrives next (at most 64 KiB); nil at the end of the stream or on a reset.
    private func receive(deadline: MonotonicInstant?) throws(ReadError) -> [UInt8]? {
        guard let descriptor else { return nil }
        while true {
            var timeout: Int32 = -1
            if let deadline {
                let remaining = (deadline - SystemClock.now).inSeconds
                guard remaining > 0 else { throw .timedOut }
                timeout = Int32(min(Double(Int32.max), (remaining * 1000).rounded(.up)))
            }
            do {
                guard try descriptor.waitForInput(milliseconds: timeout) else { continue }  // the deadline ends it
            } catch {
                throw .failed(operation: "poll", error)
            }
            do {
                let chunk = try descriptor.receive(maxCount: 65_536)
                return chunk.isEmpty ? nil : chunk
            } catch {
                if error == .resourceTemporarilyUnavailable || error == .interrupted { continue }
                if error == .connectionReset { return nil }
                throw .failed(operation: "recv", error)
            }
        }
    }
}
