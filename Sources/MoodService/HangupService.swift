import ServiceLifecycle
import UnixSignals

/// Turns SIGHUP (systemd's `ExecReload`, logrotate's `postrotate`) into a call, until shutdown.
/// The daemon reopens its event log on it, or logs that there is none.
///
/// Once its SIGHUP source has registered (the service group registers SIGTERM's and SIGINT's before
/// starting any service), it replays what `EarlySignals` caught during startup.
public struct HangupService: Service {
    private let onHangup: @Sendable () -> Void

    public init(onHangup: @escaping @Sendable () -> Void) {
        self.onHangup = onHangup
    }

    public func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        EarlySignals.replay()
        for await _ in hangups.cancelOnGracefulShutdown() {
            onHangup()
        }
    }
}
