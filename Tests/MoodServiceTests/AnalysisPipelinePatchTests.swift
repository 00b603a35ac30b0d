import MoodCore
import MoodDSP
import MoodModel
@testable import MoodService
import MoodTestKit
import Synchronization
import Testing

/// The pipeline's patch comes from the model's `input` and its `PatchWindow`: what the classifier
/// gets is exactly the latest `patch_frames` frames of that input's front end over every sample read
/// since the last restart, whatever the read sizes, for musicnn's input and for another.
@Suite struct AnalysisPipelinePatchTests {
    /// Keeps a copy of the last patch it was given.
    final class RecordingClassifier: PatchClassifier, @unchecked Sendable {
        let labels = MoodLabels.quadrants
        let hasContentHead = false
        let modelName = "recording"
        let patchFrames: Int
        let melBands: Int
        var last: [Float] = []

        init(patchFrames: Int, melBands: Int) { (self.patchFrames, self.melBands) = (patchFrames, melBands) }

        func classify(frames: UnsafeBufferPointer<Float>) throws -> PatchOutput {
            last = Array(frames)
            return PatchOutput(mood: [0.25, 0.25, 0.25, 0.25], content: nil)
        }
    }

    static var otherInput: ModelInput {
        var input = ModelInput.musicnn(nMels: 96, patchFrames: 64)
        (input.nFFT, input.hopLength) = (1024, 512)
        return input
    }

    /// The reference: the whole stream through a fresh front end, its last `patchFrames` frames.
    static func latestFrames(_ samples: [Float], _ input: ModelInput) throws -> [Float] {
        let frontEnd = try LogMelFrontEnd(spec: input.logMelSpec)
        var frames: [Float] = []
        samples.withUnsafeBufferPointer { frontEnd.push($0) { frames.append(contentsOf: $0) } }
        return Array(frames.suffix(input.patchFrames * input.nMels))
    }

    @Test(arguments: [ModelInput.musicnn(), otherInput])
    func theClassifierSeesTheLatestPatchOfTheInputsFrontEnd(input: ModelInput) throws {
        let ring = SampleRing(capacity: 1 << 17)
        let classifier = RecordingClassifier(patchFrames: input.patchFrames, melBands: input.nMels)
        let pipeline = try AnalysisPipeline(ring: ring, classifier: classifier, input: input,
                                            tracker: MoodTracker(labels: classifier.labels, settings: .init()))
        var rng = SeededRandom(seed: 16)
        var stream: [Float] = []
        var classified = 0
        // Reads of odd sizes (not multiples of the hop), a restart in the middle.
        for (k, chunk) in [7_000, 13_333, 24_001, 5_555, 3_001, 40_000, 1_234, 9_999].enumerated() {
            if k == 5 {
                _ = pipeline.sourceInterrupted(resetTracker: false, at: Timestamp(millisecondsSinceEpoch: 0),
                                               position: ring.totalWritten)
                stream = []
            }
            let block = rng.floats(chunk, in: -0.5...0.5)
            ring.write(block)
            stream += block
            let outcome = pipeline.step(time: Double(k), wallTime: Timestamp(millisecondsSinceEpoch: Int64(k)))
            let expected = try Self.latestFrames(stream, input)
            if expected.count == input.patchFrames * input.nMels {
                #expect(outcome?.classified == true, "read \(k)")
                #expect(classifier.last == expected, "read \(k): the patch is not the latest frames")
                classified += 1
            } else {
                #expect(outcome == nil, "read \(k): no whole patch yet")
                #expect(pipeline.framesReady == expected.count / input.nMels)
            }
        }
        #expect(classified >= 3)
    }

    /// A source event at a stream position (`ring.totalWritten` when it came): the samples before it
    /// that no step read are dropped, never joined to what comes after, and the first patch after the
    /// restart is made of samples written after the event only.
    @Test func anInterruptionDropsTheUnreadSamplesBeforeIt() throws {
        let input = ModelInput.musicnn()
        let ring = SampleRing(capacity: 1 << 17)
        let classifier = RecordingClassifier(patchFrames: input.patchFrames, melBands: input.nMels)
        let pipeline = try AnalysisPipeline(ring: ring, classifier: classifier, input: input,
                                            tracker: MoodTracker(labels: classifier.labels, settings: .init()))
        var rng = SeededRandom(seed: 17)
        ring.write(rng.floats(50_000, in: -0.5...0.5))
        #expect(pipeline.step(time: 0, wallTime: Timestamp(millisecondsSinceEpoch: 0))?.classified == true)
        ring.write(rng.floats(3_000, in: -0.5...0.5))  // the old stream's last samples, not read yet
        let position = ring.totalWritten
        let after = rng.floats(50_000, in: -0.5...0.5)
        ring.write(after)
        #expect(pipeline.samplesBefore(position) == 3_000)
        _ = pipeline.sourceInterrupted(resetTracker: false, at: Timestamp(millisecondsSinceEpoch: 1), position: position)
        #expect(pipeline.samplesBefore(position) == 0)
        #expect(ring.available == after.count)
        #expect(pipeline.step(time: 1, wallTime: Timestamp(millisecondsSinceEpoch: 2))?.classified == true)
        #expect(classifier.last == (try Self.latestFrames(after, input)))
    }
}
