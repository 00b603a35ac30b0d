/// Whether the daemon deserves its next `WATCHDOG=1`: only while the analysis loop's heartbeat is
/// younger than the watchdog period. A pure decision, so the stall is reported once when it begins
/// and once more only after the loop has recovered and stalled again.
public struct WatchdogGate: Sendable, Equatable {
    public enum Decision: Sendable, Equatable {
        case ping
        /// No ping; `report` is true the first time in a row (log it then).
        case withhold(report: Bool)
    }

    /// The watchdog period, seconds (`$WATCHDOG_USEC`).
    public let period: Double
    public private(set) var stalled = false

    public init(period: Double) {
        precondition(period > 0)
        self.period = period
    }

    /// Decides for a heartbeat `age` seconds old.
    public mutating func decide(heartbeatAge age: Double) -> Decision {
        if age < period {
            stalled = false
            return .ping
        }
        defer { stalled = true }
        return .withhold(report: !stalled)
    }
}
