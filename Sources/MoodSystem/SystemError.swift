import SystemPackage

/// A failed system call: which operation on what, and the `errno` it left.
///
/// The one error type of the seam: every wrapper here throws `Errno` (swift-system's), and the
/// services turn it into a `SystemError` naming what they were doing (`"bind /run/moodd/moodd.sock"`),
/// which is what the journal and the command line print.
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

    public init(_ errno: Errno, operation: String) {
        self.init(code: errno.rawValue, operation: operation)
    }

    /// The current `errno`, for the call that just failed.
    public static func last(_ operation: String) -> SystemError {
        SystemError(Errno.last, operation: operation)
    }

    public var errno: Errno { Errno(rawValue: code) }

    /// The same error, said in `explanation`'s words instead of `strerror`'s.
    public func explained(_ explanation: String) -> SystemError {
        SystemError(code: code, operation: operation, explanation: explanation)
    }

    /// `strerror(code)`: "No such file or directory".
    public var reason: String { errno.description }

    public var description: String { "\(operation): \(explanation ?? reason)" }
}

extension Errno {
    /// `errno` now, for a call that just returned -1.
    public static var last: Errno { Errno(rawValue: system_errno) }
}
