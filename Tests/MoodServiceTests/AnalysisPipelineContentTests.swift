import MoodCore
import MoodModel
@testable import MoodService
import MoodTestKit
import Testing

/// The analysis pipeline with a classifier that has a content head: the content reaches the tracker
/// and the events, and a content output of the wrong shape is a classifier error, not a crash.
@Suite struct AnalysisPipelineContentTests {
    static func pipeline(_ classifier: BandEnergyClassifier) throws -> (AnalysisPipeline, SampleRing) {
        let ring = SampleRing(capacity: 1 << 17)
        let tracker = MoodTracker(labels: classifier.labels, settings: .init(), hasContentHead: classifier.hasContentHead)
        return (try AnalysisPipeline(ring: ring, classifier: classifier, input: .musicnn(), tracker: tracker), ring)
    }

    /// Steps every 1.5 s of a loud tone; returns the outcomes.
    static func run(_ pipeline: AnalysisPipeline, _ ring: SampleRing, steps: Int) -> [AnalysisPipeline.Outcome] {
        let tone = Tone(frequency: 440, amplitude: 0.3)
        ring.write(tone.next(seconds: 1.5))
        return (0..<steps).compactMap { k in
            ring.write(tone.next(seconds: 1.5))
            return pipeline.step(time: 1.5 * Double(k), wallTime: Timestamp(millisecondsSinceEpoch: 1500 * Int64(k)))
        }
    }

    @Test func speechFromTheContentHeadIsAnnounced() throws {
        let classifier = BandEnergyClassifier(content: [0.1, 0.85, 0.05])
        let (pipeline, ring) = try Self.pipeline(classifier)
        let outcomes = Self.run(pipeline, ring, steps: 4)
        #expect(outcomes.count == 4 && outcomes.allSatisfy { $0.classified && $0.classifierError == nil })
        let moods = outcomes.compactMap { if case .mood(let m)? = $0.events.last { m } else { nil } }
        #expect(moods.map(\.label) == [.listening, .listening, .speech, .speech])
        #expect(moods.last?.content == Distribution(labels: ContentKind.labels, values: [0.1, 0.85, 0.05]))
        #expect(moods.last?.probabilities == nil && moods.last?.raw != nil)
    }

    @Test func aContentOutputOfTheWrongShapeIsAClassifierError() throws {
        let classifier = BandEnergyClassifier(content: [0.5, 0.5])
        let (pipeline, ring) = try Self.pipeline(classifier)
        let outcomes = Self.run(pipeline, ring, steps: 2)
        #expect(outcomes.allSatisfy { !$0.classified })
        let error = try #require(outcomes.first?.classifierError)
        #expect("\(error)" == "the classifier returned 2 content values (expected 3 finite probabilities)")
        let moods = outcomes.compactMap { if case .mood(let m)? = $0.events.last { m } else { nil } }
        #expect(moods.allSatisfy { $0.label == .listening && $0.raw == nil })
    }

    /// Records when it is told that a new stream starts.
    final class StreamRecordingClassifier: PatchClassifier, @unchecked Sendable {
        let labels = MoodLabels.quadrants
        let hasContentHead = true
        let modelName = "streams"
        let patchFrames = 187
        let melBands = 96
        var events: [String] = []

        func classify(frames: UnsafeBufferPointer<Float>) throws -> PatchOutput {
            events.append("patch")
            return PatchOutput(mood: [0.25, 0.25, 0.25, 0.25], content: [0.8, 0.1, 0.1])
        }

        func startStream(hopSeconds: Double) { events.append("start \(hopSeconds)") }
    }

    /// A head with context must not average across silence or a restart: the pipeline starts a new
    /// stream, at its hop, before the first patch, on every silent window and after an interruption.
    @Test func silenceAndRestartsStartANewStreamAtTheHop() throws {
        let classifier = StreamRecordingClassifier()
        let ring = SampleRing(capacity: 1 << 17)
        let tracker = MoodTracker(labels: classifier.labels, settings: .init(), hasContentHead: true)
        let pipeline = try AnalysisPipeline(ring: ring, classifier: classifier, input: .musicnn(), tracker: tracker, hopSeconds: 2)
        #expect(classifier.events == ["start 2.0"])
        let tone = Tone(frequency: 440, amplitude: 0.3)
        var k = 0
        func step(_ samples: [Float]) {
            ring.write(samples)
            _ = pipeline.step(time: 2 * Double(k), wallTime: Timestamp(millisecondsSinceEpoch: 2000 * Int64(k)))
            k += 1
        }
        step(tone.next(seconds: 3))
        step(tone.next(seconds: 2))
        #expect(classifier.events == ["start 2.0", "patch", "patch"])
        step([Float](repeating: 0, count: 16_000 * 4))                       // 4 s of digital silence
        #expect(classifier.events.suffix(1) == ["start 2.0"])
        step(tone.next(seconds: 3))
        #expect(classifier.events.suffix(2) == ["start 2.0", "patch"])
        _ = pipeline.sourceInterrupted(resetTracker: false, at: Timestamp(millisecondsSinceEpoch: 0), position: ring.totalWritten)
        #expect(classifier.events.suffix(1) == ["start 2.0"])
    }
}
