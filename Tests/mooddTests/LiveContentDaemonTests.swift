import Foundation
import MoodCore
import MoodTestKit
import Testing

/// The content head end to end: speech made at test time (espeak-ng), then music (the demo's calm
/// half), then speech again, played into a private PulseAudio server that `moodd run` captures. The
/// announced states must go speech -> a mood -> speech, with no mood change while people talk.
///
/// Needs the trained content head in models/moodd-4q.safetensors: without it this test fails, saying so.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct LiveContentDaemonTests {
    static let espeak = executablePath("espeak-ng")
    static let sox = executablePath("sox")
    static let text = """
        Good morning, and welcome to the news at nine. The council met yesterday evening to discuss the \
        new bus timetable, which will come into force next month. Several residents asked why the last \
        bus on Sundays leaves so early. The weather today will be mostly dry, with some cloud in the \
        afternoon and a light wind from the west.
        """

    /// `speech`, 20 s of the demo, `speech` again, as one 16 kHz mono WAV; returns its path and the
    /// seconds at which the music starts and ends.
    static func programme(in dir: TemporaryDirectory) throws -> (path: String, musicStart: Double, musicEnd: Double) {
        let espeak = try #require(Self.espeak, "espeak-ng is not installed (scripts/bootstrap --test installs it)")
        let sox = try #require(Self.sox, "sox is not installed (scripts/bootstrap --test installs it)")
        let env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"]
        #expect(try runTool(espeak, ["-s", "150", "-w", dir.path + "/raw-speech.wav", text], environment: env, timeout: 30) == 0)
        #expect(try runTool(sox, [dir.path + "/raw-speech.wav", "-r", "16000", "-c", "1", dir.path + "/speech.wav"], environment: env) == 0)
        #expect(try runTool(sox, [LiveCaptureDaemonTests.demo, "-r", "16000", "-c", "1", dir.path + "/music.wav", "trim", "0", "20"],
                            environment: env) == 0)
        let path = dir.path + "/programme.wav"
        #expect(try runTool(sox, [dir.path + "/speech.wav", dir.path + "/music.wav", dir.path + "/speech.wav", path], environment: env) == 0)
        let speechBytes = try FileManager.default.attributesOfItem(atPath: dir.path + "/speech.wav")[.size] as! Int
        let speech = Double(speechBytes - 44) / 32_000  // s16 mono at 16 kHz behind a 44-byte header
        #expect(speech > 12, "the speech is only \(speech) s long")
        return (path, speech, speech + 20)
    }

    @Test(.enabled(if: PulseServer.isAvailable, Comment(rawValue: PulseServer.skipReason)))
    func speechThenMusicThenSpeech() async throws {
        // Real time and blocking reads: on a thread of its own, never the cooperative pool's (two
        // threads here), which the other tests need meanwhile.
        try await offPool {
            let hasContent = try ContentModel.shippedHasContentHead()
            try #require(hasContent, "models/moodd-4q.safetensors has no 'content' head yet: this test needs the trained one")
            let dir = try TemporaryDirectory()
            let programme = try Self.programme(in: dir)
            let server = try PulseServer(sink: "rate=48000 channels=1 format=s16le")
            try server.start()
            defer { server.kill() }
            let daemon = try RunningDaemon(["--source", "pulse:spk.monitor", "--model", ContentModel.shipped], environment: server.environment)
            let client = try UnixLineClient(path: daemon.socketPath)
            let player = try ChildProcess(PulseServer.paplay!, ["-d", "spk", programme.path], environment: server.environment)
            defer { player.terminate() }
            let started = monotonicSeconds()
            var changes: [(change: MoodEvent.Change, at: Double)] = []
            var lines: [String] = []
            let end = started + programme.musicEnd + programme.musicStart + 8  // the programme, then the silence after it
            while monotonicSeconds() < end {
                guard let line = try? client.readLine(timeout: max(0.05, end - monotonicSeconds())) else { continue }
                lines.append(line)
                if case .change(let c) = try MoodEvent(jsonLine: Array(line.utf8)) { changes.append((c, monotonicSeconds() - started)) }
            }
            #expect(daemon.stop(timeout: 3) == 0)
            #expect(lines.first?.contains(#""content_labels":["music","speech","noise"]"#) == true, "\(lines.first ?? "")")

            let summary = changes.map { "\(String(format: "%.1f", $0.at)) s \($0.change.from) -> \($0.change.to)" }.joined(separator: "; ")
            print("speech \(String(format: "%.1f", programme.musicStart)) s, music until \(String(format: "%.1f", programme.musicEnd)) s: \(summary)")
            // The announced states, in order, without listening (between kinds) and the silence at the end.
            let states = changes.map(\.change.to).filter { $0 != .listening && $0 != .silence }
            let firstMood = try #require(states.firstIndex { $0.isMood }, "no mood announced: \(summary)")
            #expect(firstMood > 0 && states[..<firstMood].allSatisfy { $0 == .speech }, "before the music: \(summary)")
            let speechAgain = try #require(states[firstMood...].firstIndex(of: .speech), "no speech after the music: \(summary)")
            #expect(states[speechAgain...].allSatisfy { $0 == .speech }, "after the music: \(summary)")
            // No mood change while people talk: every change between two moods happens while the music plays
            // (plus the 3-s window and the 6-s leave dwell after it ends).
            for (change, at) in changes where change.from.isMood && change.to.isMood {
                #expect(at > programme.musicStart && at < programme.musicEnd + 9, "a mood change during speech: \(summary)")
            }
        }
    }
}
