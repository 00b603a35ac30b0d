import Foundation
import MoodCore
import MoodModel
@testable import MoodService
import MoodSystem
import MoodTestKit
import Synchronization
import Testing

/// Keeps every published event with the monotonic time it arrived.
final class EventRecorder: EventSubscriber {
    private let events = Mutex<[(event: MoodEvent, at: Double)]>([])

    func receive(_ event: MoodEvent, line: [UInt8]) {
        let now = SystemClock.now.seconds
        events.withLock { $0.append((event, now)) }
    }

    var all: [(event: MoodEvent, at: Double)] { events.withLock { $0 } }

    var moods: [(mood: MoodEvent.Mood, at: Double)] {
        all.compactMap { if case .mood(let m) = $0.event { (m, $0.at) } else { nil } }
    }

    var changes: [MoodEvent.Change] {
        all.compactMap { if case .change(let c) = $0.event { c } else { nil } }
    }
}

/// A sine at `frequency` Hz, `amplitude` full scale, 16 kHz, continuing phase across calls.
final class Tone: @unchecked Sendable {
    // @unchecked: used by one thread at a time (the test's feeder).
    let frequency: Double
    let amplitude: Float
    private var n = 0

    init(frequency: Double, amplitude: Float) {
        self.frequency = frequency
        self.amplitude = amplitude
    }

    func next(seconds: Double) -> [Float] {
        let count = Int(seconds * 16_000)
        defer { n += count }
        return (0..<count).map { amplitude * Float(sin(2 * Double.pi * frequency * Double(n + $0) / 16_000)) }
    }
}

struct AnalysisFixture {
    let ring: SampleRing
    let classifier: BandEnergyClassifier
    let hub: EventHub
    let recorder = EventRecorder()
    /// The service's time: tests step it hop by hop (`tick`), nothing sleeps.
    let clock = TestClock()
    let service: AnalysisService

    init(hop: Double, tracker: MoodTracker.Settings = .init(), classifier: BandEnergyClassifier = BandEnergyClassifier(),
         pacing: AnalysisService.Pacing = .wall, ringCapacity: Int = 1 << 18) {
        self.classifier = classifier
        ring = SampleRing(capacity: ringCapacity)
        let settings = AnalysisService.Settings(hop: hop, tracker: tracker, pacing: pacing)
        hub = EventHub(
            hello: .init(model: classifier.modelName, labels: classifier.labels.names, hop: hop),
            tracker: AnalysisService.initialTracker(classifier: classifier, settings: settings),
            sourceName: "file:test.wav", maxClients: 4)
        hub.attach(recorder)
        service = AnalysisService(ring: ring, classifier: classifier, input: .musicnn(), hub: hub, settings: settings,
                                  logger: LogRecorder().logger, clock: clock)
    }

    /// Blocking (call `onThread`): moves the clock to the loop's next tick, lets it run, and waits
    /// until it sleeps again. Returns the seconds advanced (the hop, unless realigned).
    @discardableResult
    func tick() -> Double? {
        let advanced = clock.blockingAdvanceToNextDeadline()
        clock.blockingWaitForSleepers()
        return advanced
    }
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct AnalysisServiceTests {
    /// One analysis per hop, on a fixed grid: a tick that comes late (the machine stalled for 3.5
    /// hops) runs once, not four times, and the grid realigns one hop after it.
    @Test func analysesOncePerHop() async throws {
        let f = AnalysisFixture(hop: 0.2)
        let tone = Tone(frequency: 440, amplitude: 0.3)
        f.ring.write(tone.next(seconds: 3))
        let (hops, realigned) = try await withRunning([f.service]) { _ in
            try await onThread { () -> ([Double?], Double?) in
                var hops: [Double?] = []
                for _ in 0..<6 {
                    f.ring.write(tone.next(seconds: 0.2))
                    hops.append(f.tick())
                }
                f.ring.write(tone.next(seconds: 0.7))
                f.clock.advance(bySeconds: 0.7)  // a stall: 3.5 hops late
                f.clock.blockingWaitForSleepers()
                let realigned = f.clock.nextDeadline.map { ($0 - f.clock.now).inSeconds }
                return (hops, realigned)
            }
        }
        #expect(hops == Array(repeating: 0.2, count: 6))
        #expect(realigned == 0.2)
        let moods = f.recorder.moods.map(\.mood)
        #expect(moods.count == 7)
        let gaps = zip(moods, moods.dropFirst()).map { $1.time.millisecondsSinceEpoch - $0.time.millisecondsSinceEpoch }
        #expect(gaps == [200, 200, 200, 200, 200, 700])
        #expect(f.classifier.callCount == moods.count)
        // Every window was loud: the model ran each time.
        #expect(moods.allSatisfy { $0.raw != nil })
        // The heartbeat is on the same clock: fresh after the last tick.
        #expect(f.service.heartbeat.age == 0)
    }

    /// Silent windows skip the model and say `silence`; sound brings back `listening` and the model.
    @Test func skipsTheModelOnSilence() async throws {
        let f = AnalysisFixture(hop: 0.1, tracker: .init(timeConstant: 0, dwell: 0, initialDwell: 0))
        f.ring.write([Float](repeating: 0, count: 16_000 * 3))
        let happy = try await withRunning([f.service]) { _ in
            try await onThread { () -> Bool in
                // Silence for three analyses, then a tone until `happy` is announced.
                for _ in 0..<3 {
                    f.ring.write([Float](repeating: 0, count: 1600))
                    f.tick()
                }
                let tone = Tone(frequency: 200, amplitude: 0.5)
                f.ring.write(tone.next(seconds: 3))
                for _ in 0..<100 where f.hub.snapshot().label != .label("happy") {
                    f.ring.write(tone.next(seconds: 0.1))
                    f.tick()
                }
                return f.hub.snapshot().label == .label("happy")
            }
        }
        #expect(happy)
        let moods = f.recorder.moods.map(\.mood)
        let silent = moods.prefix { $0.label == .silence }
        #expect(silent.count == 3)
        #expect(silent.allSatisfy { $0.raw == nil && $0.probabilities == nil && $0.levelDB == nil })
        let loud = moods.drop { $0.label == .silence }
        #expect(!loud.isEmpty && loud.allSatisfy { $0.raw != nil })
        #expect(f.classifier.callCount == loud.count)
        // The 200 Hz tone is in the lowest band group: the first label.
        #expect(loud.last?.label == .label("happy"))
        let changes = f.recorder.changes.map { "\($0.from)->\($0.to)" }
        #expect(changes == ["listening->silence", "silence->listening", "listening->happy"])
    }

    /// Losing the source publishes the `source` event at once and returns the announced state to
    /// `listening` at the next tick.
    @Test func lostSourceReturnsToListening() async throws {
        let f = AnalysisFixture(
            hop: 0.1, tracker: .init(timeConstant: 0, dwell: 0, initialDwell: 0),
            classifier: BandEnergyClassifier(fixed: [0.1, 0.1, 0.7, 0.1]))
        let tone = Tone(frequency: 1000, amplitude: 0.3)
        f.ring.write(tone.next(seconds: 3))
        let (sad, listening) = try await withRunning([f.service]) { _ in
            f.service.sourceDidChange(Sample.source(.started))
            return try await onThread { () -> (Bool, Bool) in
                for _ in 0..<100 where f.hub.snapshot().label != .label("sad") {
                    f.ring.write(tone.next(seconds: 0.1))
                    f.tick()
                }
                let sad = f.hub.snapshot().label == .label("sad")
                f.service.sourceDidChange(Sample.source(.lost))
                f.tick()
                return (sad, f.hub.snapshot().label == .listening)
            }
        }
        #expect(sad)
        #expect(listening)
        let names = f.recorder.all.map(\.event.name)
        let lost = try #require(names.lastIndex(of: "source"))
        #expect(names[lost...].prefix(2) == ["source", "change"])
        #expect(f.recorder.changes.last.map { "\($0.from)->\($0.to)" } == "sad->listening")
        #expect(f.hub.snapshot().source.state == .lost)
    }

    /// On the audio clock (an unpaced file) every hop of samples is analysed as soon as it is in the
    /// ring, nothing skipped however far ahead capture is: 30 s at hop 0.5 is one window per 8000
    /// samples from the first full 3-s patch (47,872 samples with the front end's 256-sample priming,
    /// so from the 6th hop) to the 60th: 55 moods, with no time passing on the clock at all. Drained,
    /// the loop sleeps on the doorbell until capture writes more.
    @Test func audioClockAnalysesEveryHopOfSamples() async throws {
        let f = AnalysisFixture(hop: 0.5, pacing: .audio, ringCapacity: 1 << 20)
        var config = Config()
        config.source = .file(path: "x.ogg", loop: true, paced: false)
        #expect(AnalysisService.Settings(config).pacing == .audio)
        config.source = .file(path: "x.ogg", loop: true, paced: true)
        #expect(AnalysisService.Settings(config).pacing == .wall)
        let tone = Tone(frequency: 440, amplitude: 0.3)
        f.ring.write(tone.next(seconds: 30))
        let start = f.clock.now
        let drained = try await withRunning([f.service]) { _ in
            await eventually(timeout: 20) { f.recorder.moods.count >= 55 && f.ring.available < 8000 }
        }
        #expect(drained)
        #expect(f.clock.now == start)
        #expect(f.recorder.moods.count == 55)
        #expect(f.classifier.callCount == 55)
        #expect(f.ring.available == 0)
    }

    /// On the audio clock a source event takes effect where it happened in the stream. Capture can be a
    /// whole file ahead of the analysis when the file's `ended` comes: every hop of samples written
    /// before it is still analysed, in the same windows, and only then do the windows restart and the
    /// state return to `listening`. (It used to restart at once: the windows primed again on the rest of
    /// the file, and how many came out depended on how far the analysis was.) 10 s analysed, then the
    /// other 20 s written with `ended` right after them: 15 + 40 = 55 moods, as without the event.
    @Test func audioClockTakesEndedAfterTheSamplesBeforeIt() async throws {
        let f = AnalysisFixture(hop: 0.5, tracker: .init(timeConstant: 0, dwell: 0, initialDwell: 0),
                                classifier: BandEnergyClassifier(fixed: [0.1, 0.1, 0.7, 0.1]), pacing: .audio,
                                ringCapacity: 1 << 20)
        let tone = Tone(frequency: 440, amplitude: 0.3)
        f.ring.write(tone.next(seconds: 10))
        let (drained, finished) = try await withRunning([f.service]) { _ in
            let drained = await eventually(timeout: 20) { f.recorder.moods.count == 15 && f.ring.available == 0 }
            f.ring.write(tone.next(seconds: 20))
            f.service.sourceDidChange(Sample.source(.ended))
            let finished = await eventually(timeout: 10) {
                f.ring.available == 0 && f.recorder.changes.last?.to == .listening
            }
            return (drained, finished)
        }
        #expect(drained)
        #expect(finished, "\(f.recorder.moods.count) moods; changes \(f.recorder.changes.map { "\($0.from)->\($0.to)" })")
        #expect(f.recorder.moods.count == 55)
        let names = f.recorder.all.map(\.event.name)
        let lastMood = try #require(names.lastIndex(of: "mood"))
        let ended = try #require(names.lastIndex(of: "source"))
        #expect(ended < lastMood, "the event is published when it happens")
        #expect(f.recorder.changes.filter { $0.to == .listening }.count == 1)
        #expect(names.last == "change", "listening after the last window: \(names.suffix(3))")
    }

    /// Graceful shutdown waits for the analysis in flight and publishes its result.
    @Test func shutdownFinishesTheAnalysisInFlight() async throws {
        let f = AnalysisFixture(hop: 0.05, classifier: BandEnergyClassifier(delay: 0.4))
        let tone = Tone(frequency: 440, amplitude: 0.3)
        f.ring.write(tone.next(seconds: 3.2))
        let shutdownStarted = try await withRunning([f.service]) { _ in
            _ = await f.clock.advanceToNextDeadline()
            let settled2 = await eventually { f.classifier.isClassifying }
            #expect(settled2)
            return ContinuousClock.now
        }
        // From the shutdown request to the service's return: the rest of the 0.4 s analysis.
        let elapsed = ContinuousClock.now - shutdownStarted
        #expect(f.classifier.callCount == 1)
        #expect(f.classifier.completedCount == 1)
        #expect(f.recorder.moods.count == 1)
        #expect(elapsed < .seconds(2))
    }

    /// The level is the RMS of the samples the patch spans (187 hops of 256: 47,872, 2.992 s), in dBFS:
    /// a sine of amplitude 0.5 is 20 log10(0.5/sqrt 2).
    @Test func measuresTheLevelOfTheLatestWindow() throws {
        let ring = SampleRing(capacity: 1 << 17)
        let classifier = BandEnergyClassifier()
        let pipeline = try AnalysisPipeline(
            ring: ring, classifier: classifier, input: .musicnn(), tracker: MoodTracker(labels: classifier.labels, settings: .init()))
        let quiet = Tone(frequency: 440, amplitude: 0.01)
        let loud = Tone(frequency: 440, amplitude: 0.5)
        ring.write(quiet.next(seconds: 2))
        #expect(pipeline.step(time: 0, wallTime: Timestamp(millisecondsSinceEpoch: 0)) == nil)  // not 3 s yet
        ring.write(loud.next(seconds: 4))
        let outcome = try #require(pipeline.step(time: 1, wallTime: Timestamp(millisecondsSinceEpoch: 1000)))
        guard case .mood(let mood)? = outcome.events.last else {
            Issue.record("no mood event")
            return
        }
        let expected = Float(20 * log10(0.5 / 2.0.squareRoot()))  // -9.03 dBFS
        let level = try #require(mood.levelDB)
        #expect(abs(level - expected) < 0.05, "\(level) dBFS")
        #expect(outcome.classified)
        // No new samples: nothing to analyse.
        #expect(pipeline.step(time: 2, wallTime: Timestamp(millisecondsSinceEpoch: 2000)) == nil)
    }

    /// The level window is exactly the patch's span, not a round 3 s (48,000 samples): full-scale samples
    /// 128 samples before the patch's first do not count. (With 3 s they made the level -25.7 dBFS.)
    @Test(arguments: [ModelInput.musicnn(), AnalysisPipelinePatchTests.otherInput])
    func theLevelWindowIsThePatchsSpan(input: ModelInput) throws {
        let span = input.patchFrames * input.hopLength
        let ring = SampleRing(capacity: 1 << 17)
        let classifier = BandEnergyClassifier(patchFrames: input.patchFrames, melBands: input.nMels)
        let pipeline = try AnalysisPipeline(
            ring: ring, classifier: classifier, input: input, tracker: MoodTracker(labels: classifier.labels, settings: .init()))
        #expect(pipeline.windowSamples == span)
        ring.write([Float](repeating: 1, count: 20_000))
        ring.write((0..<span).map { 0.01 * Float(sin(2 * Double.pi * 440 * Double($0) / Double(input.sampleRate))) })
        let outcome = try #require(pipeline.step(time: 0, wallTime: Timestamp(millisecondsSinceEpoch: 0)))
        guard case .mood(let mood)? = outcome.events.last else {
            Issue.record("no mood event")
            return
        }
        let expected = Float(20 * log10(0.01 / 2.0.squareRoot()))  // -43.0 dBFS
        let level = try #require(mood.levelDB)
        #expect(abs(level - expected) < 0.05, "\(level) dBFS")
    }
}

