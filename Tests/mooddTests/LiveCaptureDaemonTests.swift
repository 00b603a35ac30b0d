import Foundation
import MoodCore
import MoodTestKit
import Testing

/// `moodd run` end to end with real capture and no sound card: a private PulseAudio server that
/// `paplay` plays the demo into (the daemon records the null sink's monitor), and ALSA's `file` plugin
/// feeding raw PCM. Assertions are on what arrives on the socket, with the shipped model's mood head (the
/// demo is synthetic music; LiveContentDaemonTests runs the content head).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct LiveCaptureDaemonTests {
    static let repository = URL(fileURLWithPath: Fixtures.directory).deletingLastPathComponent().deletingLastPathComponent().path
    static let model = ContentModel.moodOnly
    static let demo = repository + "/examples/demo.ogg"  // 20 s calm, then 20 s distorted and fast

    /// What a subscriber saw, as decoded events, in order.
    struct Session {
        var events: [MoodEvent] = []
        var lines: [String] = []
        var exitStatus: Int32?
        var socketRemoved = false
    }

    /// Starts `moodd run` on `source` with `environment`, subscribes, runs `during` (on this thread) and
    /// reads events until `until` says stop or `seconds` pass; then SIGTERM.
    static func session(
        source: String, environment: [String: String], seconds: Double,
        during: () throws -> Void = {}, until: (MoodEvent) -> Bool
    ) throws -> Session {
        let directory = try TemporaryDirectory()
        let socket = directory.path + "/moodd.sock"
        let daemon = try ChildProcess(Command.buildDirectory + "/moodd", [
            "run", "--config", repository + "/config/moodd.conf", "--source", source, "--socket", socket,
            "--log", directory.path + "/moodd.log", "--model", model,
        ], environment: environment)
        var session = Session()
        defer { daemon.terminate() }
        _ = waitUntil(timeout: 20) { FileManager.default.fileExists(atPath: socket) || !daemon.isRunning }
        let client = try UnixLineClient(path: socket)
        try during()
        let end = monotonicSeconds() + seconds
        // A read that times out at the end of the session ends it, like the end of the stream.
        while monotonicSeconds() < end, let line = try? client.readLine(timeout: max(0.1, end - monotonicSeconds())) {
            session.lines.append(line)
            let event = try MoodEvent(jsonLine: Array(line.utf8))
            session.events.append(event)
            if until(event) { break }
        }
        kill(daemon.pid, SIGTERM)
        session.exitStatus = daemon.wait(timeout: 2)
        session.socketRemoved = !FileManager.default.fileExists(atPath: socket)
        return session
    }

    static func changes(_ events: [MoodEvent]) -> [(from: String, to: String)] {
        events.compactMap { if case .change(let c) = $0 { (c.from.name, c.to.name) } else { nil } }
    }

    /// The demo's calm half is announced as a low-arousal mood, and its energetic half as a high-arousal
    /// one: the `change` a playlist tool would act on, from audio captured off a PulseAudio server.
    @Test(.enabled(if: PulseServer.isAvailable, Comment(rawValue: PulseServer.skipReason)))
    func pulseCaptureAnnouncesTheChangeFromCalmToEnergetic() async throws {
        // Real time and blocking reads: on a thread of its own, never the cooperative pool's (two
        // threads here), which the other tests need meanwhile.
        try await offPool {
            let server = try PulseServer(sink: "rate=48000 channels=2 format=s16le")
            try server.start()
            var player: ChildProcess?
            defer { player?.terminate() }
            let highArousal: Set<String> = ["angry", "happy"], lowArousal: Set<String> = ["sad", "relaxed"]
            let session = try Self.session(
                source: "pulse:spk.monitor", environment: server.environment, seconds: 75,
                during: { player = try ChildProcess(PulseServer.paplay!, ["-d", "spk", Self.demo], environment: server.environment) },
                until: { if case .change(let c) = $0 { highArousal.contains(c.to.name) } else { false } })

            guard case .hello(let hello)? = session.events.first else { Issue.record("first line is not hello: \(session.lines.first ?? "")"); return }
            #expect(hello.labels == ["happy", "angry", "sad", "relaxed"])
            guard session.events.count > 1, case .state = session.events[1] else { Issue.record("no state after hello"); return }
            let moods = session.events.compactMap { if case .mood(let m) = $0 { m } else { nil } }
            #expect(moods.count >= 10)
            #expect(zip(moods, moods.dropFirst()).allSatisfy { $0.time < $1.time })
            #expect(moods.allSatisfy { m in (m.probabilities?.values.reduce(0, +)).map { abs($0 - 1) < 1e-3 } ?? true })
            let changes = Self.changes(session.events)
            #expect(changes.first.map { $0.from == "listening" && lowArousal.contains($0.to) } == true, "changes: \(changes)")
            #expect(changes.last.map { highArousal.contains($0.to) } == true, "changes: \(changes)")
            #expect(session.exitStatus == 0)
            #expect(session.socketRemoved)
        }
    }

    /// ALSA capture (the `file` PCM plugin reading raw s16le at 16 kHz mono, as fast as it is read):
    /// the daemon starts on it, announces the source and publishes well-formed moods.
    @Test func alsaCapturePublishesMoods() async throws {
        // Real time and blocking reads: on a thread of its own, never the cooperative pool's (two
        // threads here), which the other tests need meanwhile.
        try await offPool {
            let directory = try TemporaryDirectory()
            let raw = directory.path + "/demo.raw"
            let samples = try Fixtures.npy("audio/music_44100_stereo_s16.16k.npy").values  // 2 s of music
            var pcm = Data()
            for _ in 0..<20 {  // 40 s
                for s in samples { withUnsafeBytes(of: Int16(max(-32768, min(32767, (s * 32767).rounded()))).littleEndian) { pcm.append(contentsOf: $0) } }
            }
            try pcm.write(to: URL(fileURLWithPath: raw))
            let config = directory.path + "/asound.conf"
            try """
                pcm.filecap {
                    type file
                    slave { pcm { type null } }
                    file "/dev/null"
                    infile "\(raw)"
                    format "raw"
                }
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let session = try Self.session(
                source: "alsa:filecap",
                environment: ["ALSA_CONFIG_PATH": config, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"],
                seconds: 10, until: { _ in false })
            // The capture may start before or after the subscriber connects: `started` is then in the
            // state snapshot, or comes as a `source` event.
            let snapshot = session.lines.count > 1 ? session.lines[1] : ""
            let sources = session.events.compactMap { if case .source(let s) = $0 { s } else { nil } }
            #expect(snapshot.contains(#""source":{"name":"alsa:filecap","state":"started","reason":null}"#)
                    || sources.first.map { $0.state == .started && $0.source == "alsa:filecap" } == true,
                    "\(session.lines.prefix(3))")
            let moods = session.events.compactMap { if case .mood(let m) = $0 { m } else { nil } }
            #expect(moods.count >= 4, "\(session.lines.suffix(3))")
            #expect(moods.allSatisfy { $0.levelDB.map { $0 < 0 } ?? true })
            #expect(session.exitStatus == 0)
        }
    }

    /// alsa-plugins' `pulse` PCM: a real ALSA capture device whose backend (a PulseAudio server) can
    /// be taken away and brought back, the closest thing to unplugging a USB interface without one.
    static let alsaPulsePlugin = FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/alsa-lib/libasound_module_pcm_pulse.so")

    /// The ALSA device goes away mid-capture (the plugin reports an overrun, then `snd_pcm_prepare`
    /// fails with EIO): the daemon publishes `lost`, retries with its capped backoff, and publishes
    /// `recovered` within 5 s of the device's return, then moods again; no restart.
    @Test(.enabled(if: PulseServer.isAvailable && alsaPulsePlugin, "pulseaudio or libasound2-plugins missing"))
    func alsaDeviceGoneIsLostThenRecovered() async throws {
        // Real time and blocking reads: on a thread of its own, never the cooperative pool's (two
        // threads here), which the other tests need meanwhile.
        try await offPool {
            let server = try PulseServer(sink: "rate=48000 channels=2 format=s16le")
            try server.start()
            defer { server.kill() }
            let directory = try TemporaryDirectory()
            let config = directory.path + "/asound.conf"
            try """
                pcm.pulsecap {
                    type pulse
                    server "\(server.address)"
                    device "spk.monitor"
                }
                """.write(toFile: config, atomically: true, encoding: .utf8)
            var environment = server.environment
            environment["ALSA_CONFIG_PATH"] = config
            let daemon = try RunningDaemon(["--source", "alsa:pulsecap", "--model", Self.model], environment: environment)
            let client = try UnixLineClient(path: daemon.socketPath)
            /// Reads events until `match` or `seconds`; the match and when it arrived.
            func next(within seconds: Double, _ match: (MoodEvent) -> Bool) -> (event: MoodEvent, at: Double)? {
                let end = monotonicSeconds() + seconds
                while monotonicSeconds() < end {
                    guard let line = try? client.readLine(timeout: max(0.05, end - monotonicSeconds())),
                          let event = try? MoodEvent(jsonLine: Array(line.utf8)) else { continue }
                    if match(event) { return (event, monotonicSeconds()) }
                }
                return nil
            }
            func isSource(_ state: MoodEvent.SourceState) -> (MoodEvent) -> Bool {
                { if case .source(let s) = $0 { s.state == state } else { false } }
            }
            let isMood: (MoodEvent) -> Bool = { if case .mood = $0 { true } else { false } }
            #expect(next(within: 15, isMood) != nil, "no mood from alsa:pulsecap")

            let killedAt = monotonicSeconds()
            server.kill()
            let lost = try #require(next(within: 5, isSource(.lost)), "no lost event")
            print("alsa device gone: lost \(Int((lost.at - killedAt) * 1000)) ms after SIGTERM: \(lost.event)")
            usleep(700_000)  // a few failed reopens
            try server.start()
            let backAt = server.spawnedAt
            let recovered = try #require(next(within: 8, isSource(.recovered)), "no recovered event")
            print("alsa device back: recovered \(Int((recovered.at - backAt) * 1000)) ms after the server was spawned again")
            #expect(recovered.at - backAt < 5)
            if case .source(let s) = recovered.event { #expect(s.lostFrames > 16000 / 2) }
            #expect(next(within: 10, isMood) != nil, "no mood after the recovery")
            #expect(daemon.stop(timeout: 3) == 0)
        }
    }
}
