#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodCore
import MoodModel
import MoodSystem
import MoodTestKit
import SystemPackage
import Testing

/// `moodd run` as systemd runs it: a real process capturing a file in real time, serving a client,
/// notifying `$NOTIFY_SOCKET`, reopening its log on SIGHUP and stopping cleanly on SIGTERM.
@Suite(.serialized, .timeLimit(.minutes(1))) struct RunCommandDaemonTests {
    static let repository = URL(fileURLWithPath: Fixtures.directory).deletingLastPathComponent().deletingLastPathComponent().path

    /// The shipped backbone plus a one-layer head whose weights are 0 and whose biases favour
    /// `happy`: every window reads happy 0.72, so the test knows what the daemon must announce.
    static func makeModel(at path: String) throws {
        let backbone = try SafeTensors(contentsOfFile: repository + "/models/msd_musicnn.safetensors")
        var writer = SafeTensorsWriter(copying: backbone)
        writer.addDenseHead(name: "mood", labels: ["happy", "angry", "sad", "relaxed"], bias: [2, 0.5, 0.5, 0.5])
        try Data(writer.bytes()).write(to: URL(fileURLWithPath: path))
    }

    /// What the scenario saw, for the assertions (made outside the blocking thread).
    struct Run: Sendable {
        var hello: MoodEvent?
        var state: MoodEvent?
        var announced: String?
        var reopened = false
        var stoppedWithin2s = false
        var reason: Process.TerminationReason = .uncaughtSignal
        var status: Int32 = -1
        var exitSeconds = Double.infinity
        var socketRemoved = false
        var rest: [String] = []
        var rotated = ""
        var current = ""
        var notifications: [String] = []
        var stderr = ""
    }

    @Test func servesReopensItsLogAndStopsCleanlyOnSIGTERM() async throws {
        let directory = try TemporaryDirectory()
        let model = directory.path + "/mood.safetensors"
        try Self.makeModel(at: model)
        let run = try await offPool { () throws -> Run in try Self.scenario(directory.path, model: model) }
        #expect(run.hello == .hello(.init(model: "mood", labels: ["happy", "angry", "sad", "relaxed"], hop: 0.5)))
        if case .state? = run.state {} else { Issue.record("no state after hello: \(String(describing: run.state))") }
        let announced = try #require(run.announced, "no happy mood within 40 lines")
        #expect(run.reopened, "no mood line in the new log after SIGHUP")
        #expect(run.stoppedWithin2s)
        #expect(run.reason == .exit)
        #expect(run.status == 0)
        #expect(run.exitSeconds < 2)
        #expect(run.socketRemoved)
        // The client heard the goodbye, then the end.
        #expect(run.rest.last == MoodEvent.error("moodd is shutting down").json)
        #expect(run.rotated.contains(announced), "announced: \(announced)\nrotated: \(run.rotated)\ncurrent: \(run.current)")
        #expect(run.notifications.first?.hasPrefix("READY=1\nSTATUS=") == true, "\(run.notifications)")
        #expect(run.notifications.contains("WATCHDOG=1"))
        #expect(run.notifications.last == "STOPPING=1")
        #expect(!run.stderr.contains("error"), "\(run.stderr)")
    }

    /// Runs the daemon through its life; blocking, so it runs off the cooperative pool.
    static func scenario(_ directory: String, model: String) throws -> Run {
        var run = Run()
        let socketPath = directory + "/moodd.sock"
        let log = directory + "/moodd.log"
        let notify = try NotifySocket(path: directory + "/notify")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Command.buildDirectory + "/moodd")
        process.arguments = [
            "run", "--source", "file+loop:" + Self.repository + "/examples/demo.ogg", "--socket", socketPath,
            "--log", log, "--model", model, "--hop", "0.5", "--set", "smoothing.initial_dwell=0",
        ]
        process.environment = ["NOTIFY_SOCKET": directory + "/notify", "WATCHDOG_USEC": "2000000"]
        let stderr = Pipe()
        process.standardError = stderr
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        guard waitUntil(timeout: 20, { FileManager.default.fileExists(atPath: socketPath) }) else { return run }
        let client = try UnixLineClient(path: socketPath)
        run.hello = try client.readEvent(timeout: 10)
        run.state = try client.readEvent()
        // The first analysis needs 3 s of audio; then happy is announced at once (initial_dwell 0).
        for _ in 0..<40 where run.announced == nil {
            guard let line = try client.readLine(timeout: 10) else { break }
            if line.hasPrefix("{\"event\":\"mood\""), line.contains("\"label\":\"happy\"") { run.announced = line }
        }
        guard run.announced != nil else { return run }

        // logrotate: move the file away, SIGHUP, and the next lines go to a new file.
        rename(log, log + ".1")
        kill(process.processIdentifier, SIGHUP)
        run.reopened = waitUntil(timeout: 10) { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("\"event\":\"mood\"") }

        let stopping = Date()
        kill(process.processIdentifier, SIGTERM)
        run.stoppedWithin2s = waitUntil(timeout: 2) { !process.isRunning }
        process.waitUntilExit()
        run.exitSeconds = Date().timeIntervalSince(stopping)
        run.reason = process.terminationReason
        run.status = process.terminationStatus
        run.socketRemoved = !FileManager.default.fileExists(atPath: socketPath)
        while let line = try client.readLine(timeout: 5) { run.rest.append(line) }
        run.rotated = (try? String(contentsOfFile: log + ".1", encoding: .utf8)) ?? ""
        run.current = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        run.notifications = notify.drain()
        run.stderr = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return run
    }
}
