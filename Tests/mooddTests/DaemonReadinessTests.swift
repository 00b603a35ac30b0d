#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodTestKit
import Testing

/// `Type=notify` without the audio: the daemon must become ready, and say why it hears nothing.
@Suite(.serialized, .timeLimit(.minutes(1))) struct DaemonReadinessTests {
    struct Run: Sendable {
        var notifications: [String] = []
        var status: Int32?
        var stderr = ""
    }

    /// No PulseAudio server: `READY=1` used never to come (systemd timed out after 90 s and restarted
    /// the unit forever), and the journal said only `capture started`. Now: READY=1 as the socket
    /// listens, `STATUS=` says the source is lost, and stderr says why, once for the whole outage
    /// although the source is reopened several times (backoff 0.25, 0.5, 1, 2 s) while the test waits.
    @Test func readyWithoutItsSoundServerAndSaysWhyOnce() async throws {
        let run = try await offPool { () throws -> Run in
            var run = Run()
            let directory = try TemporaryDirectory()
            let notify = try NotifySocket(path: directory.path + "/notify")
            let socket = directory.path + "/moodd.sock"
            let process = try ChildProcess(
                Command.buildDirectory + "/moodd",
                ["run", "--config", RunCommandDaemonTests.repository + "/config/moodd.conf", "--source", "pulse",
                 "--socket", socket, "--log", ""],
                environment: [
                    "NOTIFY_SOCKET": directory.path + "/notify", "PULSE_SERVER": "unix:\(directory.path)/no-server",
                    "HOME": directory.path, "XDG_RUNTIME_DIR": directory.path,
                ],
                stderrPath: directory.path + "/stderr")
            defer { process.terminate() }
            let deadline = monotonicSeconds() + 20
            while monotonicSeconds() < deadline, process.isRunning, !run.notifications.contains(where: { $0.hasPrefix("READY=1") }) {
                run.notifications += notify.drain()
                usleep(20_000)
            }
            usleep(4_000_000)  // several reopen attempts; STATUS= is refreshed every second
            run.notifications += notify.drain()
            kill(process.pid, SIGTERM)
            run.status = process.wait(timeout: 10)
            run.notifications += notify.drain()
            run.stderr = (try? String(contentsOfFile: directory.path + "/stderr", encoding: .utf8)) ?? ""
            return run
        }
        let ready = try #require(run.notifications.first { $0.hasPrefix("READY=1") }, "no READY=1: \(run.notifications)\n\(run.stderr)")
        #expect(ready.contains("STATUS=listening, 0 clients, source"), "\(ready)")
        #expect(run.notifications.contains { $0.contains("source lost") }, "\(run.notifications)")
        let lost = run.stderr.split(separator: "\n").filter { $0.contains("audio source lost") }
        #expect(lost.count == 1, "\(run.stderr)")
        #expect(lost.first?.contains("pa_simple_new") == true, "\(run.stderr)")
        #expect(run.status == 0)
    }
}
