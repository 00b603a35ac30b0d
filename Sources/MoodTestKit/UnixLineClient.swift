import MoodCore
import MoodSystem
import SystemPackage

/// A blocking client of the daemon's socket for tests: MoodSystem's `UnixLineSocket` (what moodctl
/// talks through) with timeouts in seconds, lines as text, and failures any test can print. One
/// thread at a time.
public final class UnixLineClient: @unchecked Sendable {
    // @unchecked: used by one thread at a time (tests hand it to a helper thread and wait).

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private let socket: UnixLineSocket

    /// The raw descriptor (-1 once closed), for tests that read around the line reader.
    public var fd: Int32 { socket.descriptor?.rawValue ?? -1 }

    /// Connects to `path`; `receiveBufferSize` shrinks `SO_RCVBUF` (before connecting) to make a
    /// client that stops reading fall behind sooner.
    public init(path: String, receiveBufferSize: Int? = nil) throws {
        do {
            socket = try UnixLineSocket(path: path, receiveBufferSize: receiveBufferSize)
        } catch {
            throw Failure(description: "connect \(path): \(error)")
        }
    }

    public func close() { socket.close() }

    /// Stops sending (`shutdown(SHUT_WR)`); the server sees end of input.
    public func finishSending() { socket.finishSending() }

    /// Sends everything (blocking), e.g. `{"cmd":"status"}\n`.
    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    public func send(_ bytes: [UInt8]) throws {
        do {
            try socket.send(bytes)
        } catch {
            throw Failure(description: "send: \(error)")
        }
    }

    /// The next line without its newline; nil at end of stream (or a reset). Throws after `timeout`
    /// seconds without a whole line.
    public func readLine(timeout: Double = 5) throws -> String? {
        do {
            return try socket.nextLine(deadline: SystemClock.now.advanced(bySeconds: timeout)).map { String(decoding: $0, as: UTF8.self) }
        } catch {
            throw Self.failure(error, timeout: timeout, waiting: "no line")
        }
    }

    /// The next event; nil at end of stream.
    public func readEvent(timeout: Double = 5) throws -> MoodEvent? {
        guard let line = try readLine(timeout: timeout) else { return nil }
        return try MoodEvent(json: line)
    }

    /// Reads and discards until the server closes; returns the bytes read. Throws on timeout.
    public func drainUntilClosed(timeout: Double = 5) throws -> Int {
        do {
            return try socket.discardUntilClosed(deadline: SystemClock.now.advanced(bySeconds: timeout))
        } catch {
            throw Self.failure(error, timeout: timeout, waiting: "still open")
        }
    }

    private static func failure(_ error: UnixLineSocket.ReadError, timeout: Double, waiting: String) -> Failure {
        switch error {
        case .timedOut: Failure(description: "\(waiting) within \(timeout) s")
        case .lineTooLong(let n): Failure(description: "a line longer than \(n) bytes")
        case .failed(let operation, let errno): Failure(description: "\(operation): \(errno)")
        }
    }
}
