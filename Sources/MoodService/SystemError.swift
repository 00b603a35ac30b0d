import MoodCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failed system call: which operation on what, and the `errno` it left.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `errno` as the call left it.
    public var code: Int32
    /// What was being done, `"bind /run/moodd/moodd.sock"`.
    public var operation: String

    /// Said instead of `strerror(code)` when the call succeeded but its result cannot be used
    /// (the event log opened and turned out to be a FIFO).
    public var explanation: String?

    public init(code: Int32, operation: String, explanation: String? = nil) {
        self.code = code
        self.operation = operation
        self.explanation = explanation
    }

    /// The current `errno`, for the call that just failed.
    static func last(_ operation: String) -> SystemError {
        SystemError(code: errno, operation: operation)
    }

    /// `strerror(code)`: "No such file or directory".
    public var reason: String { String(cString: strerror(code)) }

    public var description: String { "\(operation): \(explanation ?? reason)" }
}

/// Small wrappers that retry `EINTR` and turn -1 into a typed error; the daemon's only raw syscalls
/// outside NIO (NIO does the socket I/O). `writeAll` serves the command line's output files too.
public enum Syscall {
    /// Runs `body` until it does not fail with `EINTR`; returns its result or throws on -1.
    @discardableResult
    static func retrying<T: BinaryInteger>(_ operation: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            if errno == EINTR { continue }
            throw SystemError.last(operation())
        }
    }

    /// Writes all of `bytes` to `fd` (partial writes continue); on error reports how much went out.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> (written: Int, error: Int32?) {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n > 0 {
                done += n
            } else if n < 0, errno == EINTR {
                continue
            } else {
                return (done, n < 0 ? errno : EIO)
            }
        }
        return (done, nil)
    }

    /// `lstat`, or nil if nothing is there.
    static func lstatIfPresent(_ path: String) throws(SystemError) -> stat? {
        var st = stat()
        if lstat(path, &st) == 0 { return st }
        if errno == ENOENT { return nil }
        throw SystemError.last("lstat \(path)")
    }

    /// Fills a `sockaddr_un` for `path` (`@name` = Linux abstract namespace) and calls `body` with it
    /// and its length; nil if the path does not fit `sun_path`.
    static func withUnixAddress<R>(
        _ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R
    ) -> R? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        // A path needs its terminating NUL; an abstract name does not.
        guard !bytes.isEmpty, bytes.count <= (abstract ? capacity : capacity - 1) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (abstract ? 0 : 1)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(length)) }
        }
    }
}

/// Wall and monotonic clocks, read in one place: the pure core never reads a clock.
public enum Clocks {
    /// `CLOCK_REALTIME`, for event times.
    public static func wallTime() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(millisecondsSinceEpoch: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }

    /// `CLOCK_MONOTONIC`, nanoseconds: drives smoothing, dwell and the watchdog's liveness.
    public static func monotonicNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// `CLOCK_MONOTONIC`, seconds.
    public static func monotonicSeconds() -> Double {
        Double(monotonicNanoseconds()) / 1e9
    }
}
