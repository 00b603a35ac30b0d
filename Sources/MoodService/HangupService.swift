import ServiceLifecycle
import UnixSignals

/// Turns SIGHUP (systemd's `ExecReload`, logrotate's `postrotate`) into a call, until shutdown.
/// The daemon reopens its event log on it.
public struct HangupService: Service {
    private let onHangup: @Sendable () -> Void

    public init(onHangup: @escaping @Sendable () -> Void) {
        self.onHangup = onHangup
    }

    public func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            onHangup()
        }
    }
}
