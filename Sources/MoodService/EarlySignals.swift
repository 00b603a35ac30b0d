#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// Catches the daemon's signals (SIGHUP, SIGTERM, SIGINT) from the first instruction of `moodd run`
/// until the services that consume them listen, then hands them over.
///
/// Without it the default action applies until the service group and `HangupService` have
/// registered their signal sources: a `systemctl reload` or `stop` in the first milliseconds killed
/// the process (rc 129, 143), leaving its socket behind. Blocking the signals is not enough: the
/// main thread and OpenBLAS's workers (started by the library's constructor, before `main`) never
/// see a mask set later. So this installs a process-wide handler that only records the signal
/// (async-signal-safe: one atomic OR). Dispatch's signal sources replace the handler when they
/// register; `replay()` then raises each recorded signal again, to be consumed the ordinary way.
public enum EarlySignals {
    public static let signals: [Int32] = [SIGHUP, SIGTERM, SIGINT]

    /// Bit `n` set: signal `n` arrived while only this handler was installed.
    private static let caught = Atomic<UInt64>(0)

    /// Installs the recording handler. Call first thing, before any thread of moodd's exists.
    public static func install() {
        _ = caught.load(ordering: .relaxed)  // initialise the global now, not inside the handler
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            EarlySignals.caught.bitwiseOr(UInt64(1) << UInt64(signal), ordering: .relaxed)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        for signal in signals { sigaction(signal, &action, nil) }
    }

    /// The signals recorded so far, in `signals` order, forgetting them.
    public static func take() -> [Int32] {
        let bits = caught.exchange(0, ordering: .relaxed)
        return signals.filter { bits & (UInt64(1) << UInt64($0)) != 0 }
    }

    /// Raises every recorded signal again. Call once the signal sources that consume them have
    /// registered (their handlers replaced this one); `HangupService` does, as it starts.
    public static func replay() {
        for signal in take() { kill(getpid(), signal) }
    }
}
