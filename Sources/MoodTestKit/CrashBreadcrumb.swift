#if canImport(Glibc)
import Glibc
#endif

/// One line that is written to stderr if the process dies of a fatal signal (a Swift trap is SIGILL
/// on x86_64, SIGTRAP on arm64; a C library's bad access SIGSEGV or SIGBUS; `abort` SIGABRT), so
/// that a fuzz case that crashes the test process still names its seed and index.
///
/// The handler only calls write(2) and sigaction(2), both async-signal-safe, then hands the signal
/// to whatever handler was there before (Swift's backtracer, or the default action), so a crash
/// still crashes and still gets its backtrace. It runs on an alternate signal stack of the thread
/// that called `install()` or `set(_:)` so that a stack overflow, the likely way for a deeply nested
/// input to crash a recursive parser, can still be reported.
///
/// Threading: `set` is meant to be called from the one thread running the cases; a crash on another
/// thread prints whatever that thread set last.
public enum CrashBreadcrumb {
    static let capacity = 480
    static let signals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT]

    /// Replaces the line (cut to `capacity` bytes; a newline is added). Installs the handler on first use.
    public static func set(_ line: String) {
        install()
        let bytes = Array(line.utf8.prefix(capacity - 1)) + [0x0A]
        state.length = 0
        bytes.withUnsafeBufferPointer { state.text.update(from: $0.baseAddress!, count: $0.count) }
        state.length = bytes.count
    }

    /// Clears the line: a crash after this prints nothing extra.
    public static func clear() { state.length = 0 }

    /// Installs the handler once per process and an alternate signal stack once per thread.
    public static func install() {
        if !state.installed {
            state.installed = true
            for signal in signals {
                var action = sigaction()
                action.__sigaction_handler.sa_handler = crashHandler
                action.sa_flags = Int32(SA_ONSTACK)
                sigemptyset(&action.sa_mask)
                sigaction(signal, &action, state.previous + Int(signal))
            }
        }
        var current = stack_t()
        if sigaltstack(nil, &current) == 0, current.ss_flags & Int32(SS_DISABLE) != 0 {
            let size = 1 << 16
            var stack = stack_t(ss_sp: UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16), ss_flags: 0, ss_size: size)
            sigaltstack(&stack, nil)  // kept for the thread's lifetime: one 64 KB stack per fuzzing thread
        }
    }

    /// Storage the handler reads without allocating; set up before any handler is installed.
    struct State: @unchecked Sendable {
        let text = UnsafeMutablePointer<UInt8>.allocate(capacity: CrashBreadcrumb.capacity)
        let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
        var length = 0
        var installed = false
    }

    nonisolated(unsafe) static var state = State()
}

/// Prints the breadcrumb, restores the previous handler and lets the signal go on to it: a fault
/// re-executes the faulting instruction on return; a raised signal (abort, SIGTRAP) is raised again.
private func crashHandler(_ signal: Int32) {
    let state = CrashBreadcrumb.state
    if state.length > 0 { _ = write(2, state.text, state.length) }
    sigaction(signal, state.previous + Int(signal), nil)
    if signal == SIGABRT || signal == SIGTRAP { raise(signal) }
}
