#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodTestKit
import Testing

/// The signals systemd sends (`ExecReload=kill -HUP`, stop) at any moment of the daemon's life,
/// with or without an event log: consumed, never the process's death.
@Suite(.serialized, .timeLimit(.minutes(1))) struct DaemonSignalTests {
    static let repository = URL(fileURLWithPath: Fixtures.directory).deletingLastPathComponent().deletingLastPathComponent().path
    static let source = "file+loop:" + repository + "/examples/demo.ogg"

    /// Entries the daemon left in `directory` (a socket, a `.moodd-XXXXXX` from binding it).
    static func leftovers(_ directory: String, except: Set<String> = ["stderr"]) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !except.contains($0) }.sorted()
    }

    /// The caught-signal mask (`SigCgt` in /proc/PID/status).
    static func caughtSignals(_ pid: pid_t) -> UInt64? {
        guard let status = ProcFile.read("/proc/\(pid)/status"),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") })
        else { return nil }
        return UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16)
    }

    /// `kill -HUP` with `log.path` empty used to kill the daemon (rc 129, socket and `.moodd-XXXXXX`
    /// left behind): no handler was installed without a log. Now a logged no-op.
    @Test func hangupWithoutALogIsALoggedNoOp() async throws {
        let (running, stderr, status, left) = try await offPool { () throws -> (Bool, String, Int32?, [String]) in
            let daemon = try RunningDaemon(["--source", Self.source, "--log", ""])
            for _ in 0..<3 {
                kill(daemon.process.pid, SIGHUP)
                usleep(100_000)
            }
            usleep(300_000)
            let running = daemon.process.isRunning
            let stderr = daemon.stderr
            return (running, stderr, daemon.stop(), Self.leftovers(daemon.directory.path))
        }
        #expect(running)
        #expect(stderr.components(separatedBy: "SIGHUP: no event log to reopen").count - 1 == 3, "\(stderr)")
        #expect(status == 0)
        #expect(left == [])
    }

    struct Startup: Sendable {
        var caughtInTime = false
        var listeningAlready = true
        var runningAfterHangup = true
        var status: Int32?
        var left: [String] = []
        var stderr = ""
    }

    /// SIGHUP, SIGTERM or SIGINT in the first milliseconds, before the daemon listens: the process
    /// used to end by the signal. The handler is in place within milliseconds of exec, and what it
    /// caught is consumed when the services are up: a reopen (or no-op), or a clean shutdown.
    @Test(arguments: [SIGHUP, SIGTERM, SIGINT])
    func aSignalDuringStartupIsHandledLikeALaterOne(signal: Int32) async throws {
        let run = try await offPool { () throws -> Startup in
            var run = Startup()
            let directory = try TemporaryDirectory()
            let socket = directory.path + "/moodd.sock"
            let process = try ChildProcess(
                Command.buildDirectory + "/moodd",
                ["run", "--config", Self.repository + "/config/moodd.conf", "--source", Self.source, "--socket", socket, "--log", ""],
                environment: [:], stderrPath: directory.path + "/stderr")
            defer { process.terminate() }
            let mask = UInt64(1) << UInt64(SIGHUP - 1) | UInt64(1) << UInt64(SIGTERM - 1) | UInt64(1) << UInt64(SIGINT - 1)
            let deadline = monotonicSeconds() + 5
            while monotonicSeconds() < deadline, process.isRunning, (Self.caughtSignals(process.pid) ?? 0) & mask != mask {
                usleep(500)
            }
            run.caughtInTime = (Self.caughtSignals(process.pid) ?? 0) & mask == mask
            run.listeningAlready = access(socket, F_OK) == 0
            kill(process.pid, signal)
            if signal == SIGHUP {
                let up = monotonicSeconds() + 20
                while access(socket, F_OK) != 0, process.isRunning, monotonicSeconds() < up { usleep(10_000) }
                usleep(200_000)
                run.runningAfterHangup = process.isRunning
                kill(process.pid, SIGTERM)
            }
            run.status = process.wait(timeout: 20)
            run.left = Self.leftovers(directory.path)
            run.stderr = (try? String(contentsOfFile: directory.path + "/stderr", encoding: .utf8)) ?? ""
            return run
        }
        #expect(run.caughtInTime, "SIGHUP, SIGTERM and SIGINT not all caught")
        #expect(!run.listeningAlready, "the test was too slow: the daemon listened already")
        #expect(run.runningAfterHangup, "\(run.stderr)")
        if signal == SIGHUP { #expect(run.stderr.contains("SIGHUP: no event log to reopen"), "\(run.stderr)") }
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.left == [], "\(run.stderr)")
    }
}
