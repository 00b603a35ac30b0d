import Foundation
import MoodCore
import MoodTestKit
import Testing

/// `moodd run` with a model that has a content head (the shipped backbone and mood head, a synthetic
/// content head that always says speech): protocol 2's greeting, then `speech` and never a mood.
@Suite(.timeLimit(.minutes(1)))
struct ContentDaemonTests {
    @Test func aModelThatHearsSpeechAnnouncesSpeechAndNoMood() async throws {
        // Real time and blocking reads: on a thread of its own, never the cooperative pool's (two
        // threads here), which the other tests need meanwhile.
        try await offPool {
            let dir = try TemporaryDirectory()
            try ContentModel.write(logits: ContentModel.saying(.speech), to: dir.path + "/speech.safetensors")
            let daemon = try RunningDaemon([
                "--source", "file+loop:" + LiveCaptureDaemonTests.demo, "--model", dir.path + "/speech.safetensors", "--hop", "0.5",
            ])
            let client = try UnixLineClient(path: daemon.socketPath)
            let hello = try #require(try client.readLine(timeout: 10))
            #expect(hello == #"{"event":"hello","protocol":3,"version":"\#(MooddVersion.string)","model":"speech","labels":["happy","angry","sad","relaxed"],"content_labels":["music","speech","noise"],"hop":0.5}"#)
            var moods: [MoodEvent.Mood] = []
            var changes: [MoodEvent.Change] = []
            let end = monotonicSeconds() + 20
            while monotonicSeconds() < end, !changes.contains(where: { $0.to == .speech }) || moods.last?.label != .speech {
                guard let line = try client.readLine(timeout: 10) else { break }
                switch try MoodEvent(jsonLine: Array(line.utf8)) {
                case .mood(let m): moods.append(m)
                case .change(let c): changes.append(c)
                default: break
                }
            }
            #expect(changes.map(\.to) == [.speech], "\(changes)")
            let last = try #require(moods.last)
            #expect(last.label == .speech && last.probabilities == nil && last.confidence == 0 && last.raw != nil)
            #expect((last.content?["speech"] ?? 0) > 0.9)
            #expect(daemon.stop(timeout: 3) == 0)
        }
    }
}
