import Synchronization
import Foundation
import MoodCore
import MoodModel
@testable import MoodService
import MoodTestKit
import Testing

/// The whole daemon minus capture: config -> service group; a test plays the capture thread.
@Suite(.serialized, .timeLimit(.minutes(1))) struct DaemonTests {
    @Test func runsPublishesAndShutsDownCleanly() async throws {
        let directory = try TemporaryDirectory()
        var config = Config()
        config.socketPath = directory.path + "/moodd.sock"
        config.logPath = directory.path + "/moodd.log"
        config.hop = 0.1
        config.dwell = 0
        config.initialDwell = 0
        config.timeConstant = 0
        config.source = .file(path: "test.wav", loop: false, paced: true)
        let socketPath = config.socketPath
        let notify = try NotifySocket(path: directory.path + "/notify")
        let recorder = LogRecorder()
        let daemon = Daemon(
            config: config, classifier: BandEnergyClassifier(), input: .musicnn(),
            environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000"], logger: recorder.logger)
        try daemon.preflight()
        let ring = daemon.ring
        #expect(ring.capacity >= 10 * 16_000, "10 s at the model's rate")
        let group = daemon.serviceGroup(capture: nil)
        let shutdownStarted = Mutex<ContinuousClock.Instant?>(nil)

        let lines = try await withThrowingTaskGroup(of: [String].self) { tasks in
            tasks.addTask {
                try await group.run()
                return []
            }
            try await daemon.server.listening.wait()
            // Ready once the socket listens, whatever the source does (it used to wait for the
            // source's `started`, so a daemon without its sound server never became ready).
            let ready = try await onThread { notify.next(timeout: 5) }
            #expect(ready == "READY=1\nSTATUS=listening, 0 clients, source starting")
            daemon.reportSource(Sample.source(.started))
            let lines = try await onThread { () throws -> [String] in
                let client = try UnixLineClient(path: socketPath)
                // Subscribed once the greeting is read; only then does the audio start.
                var lines: [String] = [try client.readLine(), try client.readLine()].compactMap { $0 }
                let tone = Tone(frequency: 200, amplitude: 0.3)
                ring.write(tone.next(seconds: 3))
                while lines.filter({ $0.contains("\"event\":\"mood\"") }).count < 5 {
                    ring.write(tone.next(seconds: 0.1))
                    guard let line = try client.readLine() else { break }
                    lines.append(line)
                }
                return lines
            }
            shutdownStarted.withLock { $0 = .now }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return lines
        }
        let elapsed = ContinuousClock.now - (try #require(shutdownStarted.withLock { $0 }))
        // Measured: 4-5 ms from the trigger to the group's return.
        #expect(elapsed < .seconds(2), "shutdown took \(elapsed)")
        #expect(lines.first?.hasPrefix("{\"event\":\"hello\",\"protocol\":3,\"version\":\"\(MooddVersion.string)\",\"model\":\"band-energy-test\"") == true)
        #expect(lines.dropFirst().first?.hasPrefix("{\"event\":\"state\"") == true)
        #expect(lines.contains { $0.contains("\"event\":\"change\",\"from\":\"listening\",\"to\":\"happy\"") })
        // Socket gone, log complete: every mood the client saw is in the log.
        #expect(!FileManager.default.fileExists(atPath: config.socketPath))
        let logged = try String(contentsOfFile: config.logPath, encoding: .utf8).split(separator: "\n").map(String.init)
        let seenMoods = lines.filter { $0.contains("\"event\":\"mood\"") }
        #expect(seenMoods.allSatisfy { logged.contains($0) })
        #expect(logged.first?.hasPrefix("{\"event\":\"source\",") == true && logged.first?.contains("\"state\":\"started\"") == true)
        let rest = notify.messages(until: 0.3)
        #expect(rest.contains("WATCHDOG=1"))
        #expect(rest.last == "STOPPING=1")
        #expect(recorder.count(.error) == 0, "\(recorder.all.filter { $0.level == .error })")
    }

    @Test func preflightRefusesAnOccupiedPath() throws {
        let directory = try TemporaryDirectory()
        var config = Config()
        config.socketPath = directory.path + "/moodd.sock"
        try Data().write(to: URL(fileURLWithPath: config.socketPath))
        let daemon = Daemon(config: config, classifier: BandEnergyClassifier(), input: .musicnn(),
                            environment: [:], logger: LogRecorder().logger)
        #expect(throws: SocketPath.Refusal.occupied(path: config.socketPath, by: "a regular file")) { try daemon.preflight() }
        #expect(daemon.notifier == nil)
    }

    /// The capture `Daemon` builds delivers the model's rate: for a model at 22.05 kHz, a ring of 10 s at
    /// 22.05 kHz holding the file decoded at 22.05 kHz, as librosa.load(sr=22050) decodes it
    /// (Tests/Fixtures/rates/, make_rate_fixtures.py).
    @Test func capturesAtTheModelsRate() async throws {
        let directory = try TemporaryDirectory()
        var config = Config()
        config.socketPath = directory.path + "/moodd.sock"
        config.logPath = ""
        config.source = .file(path: Fixtures.path("audio/music_44100_stereo_s16.flac"), loop: false, paced: false)
        var input = ModelInput.musicnn()
        input.sampleRate = 22050
        let daemon = Daemon(config: config, classifier: BandEnergyClassifier(), input: input, environment: [:],
                            logger: LogRecorder().logger)
        #expect(daemon.ring.capacity >= 10 * 22050)
        let capture = daemon.makeCapture()
        try capture.loop.start()
        defer { capture.loop.stop() }
        #expect(await eventually { !capture.loop.isRunning })
        var captured: [Float] = []
        daemon.ring.read(appendingTo: &captured, maxCount: daemon.ring.available)
        #expect(captured == (try Fixtures.npy("rates/music_44100_stereo_s16.22050.npy").values))
    }
}
