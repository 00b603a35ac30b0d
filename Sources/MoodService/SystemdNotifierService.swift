import Logging
import MoodSystem
import ServiceLifecycle

/// Tells systemd how the daemon is doing (`Type=notify`, `WatchdogSec=`).
///
/// - `READY=1` once every gate in `readiness` is open (the socket listens; a source still opening or
///   lost is said in `STATUS=`, it does not hold readiness back: systemd would time out and restart
///   a daemon that waits for a sound server, forever);
/// - `STATUS=relaxed 0.71, 3 clients` whenever the summary changes (checked every second);
/// - `WATCHDOG=1` every half `$WATCHDOG_USEC`, but only while the analysis loop's heartbeat is
///   younger than the watchdog period: a hung analysis stops the pings and systemd restarts us;
/// - `STOPPING=1` as soon as graceful shutdown begins (this service is shut down first).
///
/// Send failures are logged once and otherwise ignored: systemd going away must not stop the daemon.
public struct SystemdNotifierService: Service {
    public let notifier: SystemdNotifier
    public let watchdog: Duration?
    private let readiness: [Latch]
    private let heartbeat: Heartbeat
    private let summary: @Sendable () -> String
    private let statusInterval: Duration
    private let logger: Logger

    /// - Parameters:
    ///   - watchdog: the period from `SystemdNotifier.watchdogInterval(environment:)`; nil: no pings.
    ///   - readiness: gates that must all be open before `READY=1`.
    ///   - heartbeat: the analysis loop's liveness.
    ///   - summary: the `STATUS=` text (`EventHub.summary`).
    public init(
        notifier: SystemdNotifier, watchdog: Duration?, readiness: [Latch], heartbeat: Heartbeat,
        summary: @escaping @Sendable () -> String, statusInterval: Duration = .seconds(1), logger: Logger
    ) {
        self.notifier = notifier
        self.watchdog = watchdog
        self.readiness = readiness
        self.heartbeat = heartbeat
        self.summary = summary
        self.statusInterval = statusInterval
        self.logger = logger
    }

    public func run() async throws {
        var failed = false
        func send(_ message: String) {
            do {
                try notifier.notify(message)
            } catch {
                if !failed { logger.warning("sd_notify failed", metadata: ["error": "\(error)"]) }
                failed = true
            }
        }

        do {
            try await cancelWhenGracefulShutdown { [readiness] in
                for gate in readiness { try await gate.wait() }
            }
        } catch {
            // Shut down (or cancelled) before becoming ready.
            if Task.isShuttingDownGracefully { send("STOPPING=1") }
            return
        }
        var status = summary()
        send("READY=1\nSTATUS=\(status)")
        logger.debug("notified systemd: ready")

        let clock = ContinuousClock()
        let pingEvery = watchdog.map { $0 / 2 }
        var nextPing = clock.now
        var nextStatus = clock.now + statusInterval
        var gate = watchdog.map { WatchdogGate(period: $0.inSeconds) }
        while !Task.isShuttingDownGracefully {
            let now = clock.now
            if let pingEvery, now >= nextPing, gate != nil {
                let age = heartbeat.age
                switch gate!.decide(heartbeatAge: age) {
                case .ping:
                    send("WATCHDOG=1")
                case .withhold(let report):
                    if report { logger.error("analysis loop stalled; withholding the watchdog ping", metadata: ["age_s": "\(age)"]) }
                }
                nextPing = now + pingEvery
            }
            if now >= nextStatus {
                let current = summary()
                if current != status {
                    status = current
                    send("STATUS=\(status)")
                }
                nextStatus = now + statusInterval
            }
            let wake = pingEvery == nil ? nextStatus : min(nextPing, nextStatus)
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(until: wake, clock: clock) }
            } catch {
                break
            }
        }
        send("STOPPING=1")
    }
}
