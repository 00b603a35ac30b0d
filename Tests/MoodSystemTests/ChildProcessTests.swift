#if canImport(Glibc)
import Glibc
#endif
import MoodTestKit
import Testing

@Suite struct ChildProcessTests {
    /// A helper the tests start (a broker, a sound server) must start with no signal blocked or
    /// ignored, whatever the thread that spawns it has: `SystemThread`'s and libdispatch's threads block
    /// most signals, and a daemon run in process ignores SIGPIPE. posix_spawn passes the mask and the ignored signals on,
    /// so a mosquitto started by a test ignored SIGTERM (`terminate` waited out its grace and killed
    /// it) and mosquitto_sub's `-W` (SIGALRM) never fired.
    @Test func aChildStartsWithNoSignalBlockedOrIgnored() async throws {
        let (blocked, ignored, exit) = try await offPool { () -> (String?, String?, Int32?) in
            var mask = sigset_t()
            sigemptyset(&mask)
            for signal in [SIGTERM, SIGINT, SIGHUP, SIGALRM] { sigaddset(&mask, signal) }
            var old = sigset_t()
            pthread_sigmask(SIG_BLOCK, &mask, &old)
            defer { pthread_sigmask(SIG_SETMASK, &old, nil) }
            let previous = signal(SIGPIPE, SIG_IGN)
            defer { signal(SIGPIPE, previous) }

            let child = try ChildProcess("/bin/sleep", ["30"], environment: [:])
            let status = ProcFile.read("/proc/\(child.pid)/status") ?? ""
            func field(_ name: String) -> String? {
                status.split(separator: "\n").first { $0.hasPrefix(name + ":") }.map { String($0.dropFirst(name.count + 1).drop { $0 == "\t" }) }
            }
            kill(child.pid, SIGTERM)
            return (field("SigBlk"), field("SigIgn"), child.wait(timeout: 3))
        }
        #expect(blocked == "0000000000000000")
        // Signals 1-31; glibc's posix_spawn itself ignores its two internal ones (32, 33) in the child.
        #expect(ignored.flatMap { UInt64($0, radix: 16) }.map { $0 & 0x7FFF_FFFF } == 0, "SigIgn \(ignored ?? "-")")
        #expect(exit == 128 + SIGTERM, "SIGTERM did not end the child within 3 s")
    }
}
