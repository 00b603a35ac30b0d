#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodTestKit
import Testing

/// An event log that would block: the daemon must neither hang on it nor let it turn SIGTERM into a
/// crash.
@Suite(.serialized, .timeLimit(.minutes(1))) struct DaemonBlockingLogTests {
    struct Run: Sendable {
        var stderr = ""
        var status: Int32?
        var stopSeconds = Double.infinity
        var mooded = false
    }

    /// A FIFO put at `log.path` (by logrotate's mistake, or an operator's) and a SIGHUP: the reopen
    /// used to block in `open(2)` for ever, on a thread shutdown waits for; SIGTERM then ended in
    /// `Cancellation took longer than allowed`, `Illegal instruction`, rc 132. Now the FIFO is refused
    /// in one line naming `log.path`, the socket goes on, and SIGTERM is a clean exit within 2 s.
    @Test func aFIFOAtTheLogPathIsRefusedAndShutdownStaysClean() async throws {
        let run = try await offPool { () throws -> Run in
            var run = Run()
            let source = "file+loop:" + DaemonSignalTests.repository + "/examples/demo.ogg"
            let daemon = try RunningDaemon(["--source", source, "--hop", "0.5"])
            let client = try UnixLineClient(path: daemon.socketPath)
            rename(daemon.logPath, daemon.logPath + ".1")
            mkfifo(daemon.logPath, 0o600)
            kill(daemon.process.pid, SIGHUP)
            let deadline = monotonicSeconds() + 10
            while monotonicSeconds() < deadline, !daemon.stderr.contains("is a FIFO") { usleep(20_000) }
            // Still publishing on the socket after the refusal.
            for _ in 0..<20 where !run.mooded {
                guard let line = try client.readLine(timeout: 5) else { break }
                run.mooded = line.hasPrefix("{\"event\":\"mood\"") && daemon.stderr.contains("is a FIFO")
            }
            let start = monotonicSeconds()
            run.status = daemon.stop(timeout: 10)
            run.stopSeconds = monotonicSeconds() - start
            run.stderr = daemon.stderr
            return run
        }
        let refusal = run.stderr.split(separator: "\n").filter { $0.contains("is a FIFO") }
        #expect(refusal.count == 1, "\(run.stderr)")
        #expect(refusal.first?.contains("log.path") == true, "\(run.stderr)")
        #expect(run.mooded, "no mood on the socket after the refusal")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stopSeconds < 2)
    }
}
