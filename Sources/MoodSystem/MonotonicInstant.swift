/// A point in monotonic time, nanoseconds from an arbitrary origin (boot, for `SystemClock`; the
/// test clock's own start, for a test clock). Only differences and order mean anything.
public struct MonotonicInstant: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// Seconds from the origin: what `SourceSupervisor`, `StallWatchdog` and the tracker take as `now`.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    public init(seconds: Double) {
        self.init(nanoseconds: Int64((seconds * 1e9).rounded()))
    }

    public static func < (a: Self, b: Self) -> Bool { a.nanoseconds < b.nanoseconds }

    public func advanced(bySeconds seconds: Double) -> Self {
        Self(nanoseconds: nanoseconds + Int64((seconds * 1e9).rounded()))
    }

    public static func + (instant: Self, duration: Duration) -> Self {
        Self(nanoseconds: instant.nanoseconds + duration.totalNanoseconds)
    }

    public static func - (a: Self, b: Self) -> Duration {
        .nanoseconds(a.nanoseconds - b.nanoseconds)
    }

    public var description: String { "\(seconds) s" }
}

extension Duration {
    /// Whole nanoseconds (saturating).
    public var totalNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return product.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }

    /// The duration in seconds, as a `Double`.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
