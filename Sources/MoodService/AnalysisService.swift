import Logging
import MoodAudio
import MoodCore
import MoodModel
import MoodSystem
import ServiceLifecycle
import Synchronization

/// Every `analysis.hop` seconds: the new samples from the capture ring through the front end the model
/// file's `input` describes, the latest patch to the classifier (skipped when silent), the tracker, and the resulting
/// `change`/`mood` events to the hub.
///
/// The loop is the ring's only consumer and never waits for capture: with no new samples (source
/// lost, file ended) a tick publishes nothing; when it falls behind it skips to the newest window.
/// Ticks are scheduled on a fixed grid (`hop` apart), not `hop` after the previous one finished, so
/// inference time does not make the cadence drift; a tick that overran is skipped, not doubled.
/// Graceful shutdown interrupts the wait between ticks, never an analysis in flight.
///
/// A batch source (`file+unpaced:`, `Settings.pacing == .audio`) is analysed on the audio's own clock
/// instead: a window every `hop` seconds *of samples*, as fast as they arrive, none skipped (the
/// capture loop waits for the ring rather than dropping), and the tracker's time is audio seconds,
/// so smoothing and dwell behave as they would live. Hours of audio pass in minutes (`scripts/soak`).
/// Capture may be up to a ring ahead (a whole short file), so a source event there (the file's
/// `ended`) takes effect only after the hops of samples written before it: the windows, and how many
/// there are, do not depend on timing.
///
/// The loop runs on its own thread (`AnalysisThread`), not on Swift's cooperative pool: inference
/// blocks for milliseconds per window. NIO's event loops and the capture thread are separate threads
/// too; the service's task only waits for the loop and relays graceful shutdown to it.
///
/// Time comes from the clock passed in (`SystemClock` in the daemon; tests pass a `TestClock` and
/// step through hops without sleeping): the ticks' schedule, the tracker's time, the events' wall
/// time and the heartbeat's age.
public final class AnalysisService: Service {
    public struct Settings: Sendable, Equatable {
        /// Seconds between analyses (`analysis.hop`).
        public var hop: Double
        public var tracker: MoodTracker.Settings
        public var pacing: Pacing

        public init(hop: Double, tracker: MoodTracker.Settings, pacing: Pacing = .wall) {
            precondition(hop > 0)
            self.hop = hop
            self.tracker = tracker
            self.pacing = pacing
        }

        /// `.audio` when the configured source is not real time (`SourceSpec.isRealTime`).
        public init(_ config: Config) {
            self.init(hop: config.hop, tracker: config.trackerSettings, pacing: config.source.isRealTime ? .wall : .audio)
        }
    }

    /// What paces the windows.
    public enum Pacing: Sendable, Equatable {
        /// Every `hop` seconds of the clock's monotonic time (live and paced sources).
        case wall
        /// Every `hop` seconds of samples, as soon as they are in the ring (unpaced files).
        case audio
    }

    /// The model file's `input`: the front end, the patch, and the rate (Hz) of the ring's samples.
    public let input: ModelInput

    public let settings: Settings
    /// Beats after every tick; the systemd watchdog's evidence of life.
    public let heartbeat: Heartbeat
    /// Schedules the ticks and stamps the events.
    public let clock: any MonotonicClock
    /// Shared with the capture loop (`CaptureService(doorbell:)`): rung after every analysis (room
    /// in the ring, for a lossless loop); on the audio clock the loop sleeps on it until samples come.
    public let doorbell: Doorbell
    public let ring: SampleRing
    private let classifier: any PatchClassifier
    private let hub: EventHub
    private let logger: Logger
    /// Source interruptions reported by the capture thread, oldest first, each for the loop to take at
    /// its place in the stream.
    private let interruptions = Mutex<[Interruption]>([])

    private struct Interruption {
        var resetTracker: Bool
        var time: Timestamp
        /// `ring.totalWritten` when it was reported: the samples before it are the old stream's.
        var position: Int
    }

    public init(ring: SampleRing, classifier: any PatchClassifier, input: ModelInput, hub: EventHub, settings: Settings,
                logger: Logger, clock: any MonotonicClock = SystemClock(), doorbell: Doorbell = Doorbell()) {
        self.input = input
        self.clock = clock
        self.doorbell = doorbell
        heartbeat = Heartbeat(clock: clock)
        self.ring = ring
        self.classifier = classifier
        self.hub = hub
        self.settings = settings
        self.logger = logger
    }

    /// The tracker as the hub should hold it before the first analysis.
    public static func initialTracker(classifier: any PatchClassifier, settings: Settings) -> MoodTracker {
        MoodTracker(labels: classifier.labels, settings: settings.tracker, hasContentHead: classifier.hasContentHead)
    }

    /// Called by the capture loop (on its thread) for every source event: published at once; a
    /// `lost`, `ended` or `recovered` source also restarts the windows where it happened in the stream
    /// (the samples before it are analysed as before or dropped, never joined to those after it), and
    /// `lost` or `ended` returns the announced state to `listening`. On the wall clock that is the next
    /// tick; on the audio clock, once every whole hop of samples before it has been analysed.
    public func sourceDidChange(_ event: MoodEvent.Source) {
        hub.publish([.source(event)])
        guard event.state != .started else { return }
        let next = Interruption(resetTracker: event.state == .lost || event.state == .ended, time: event.time,
                                position: ring.totalWritten)
        interruptions.withLock { pending in
            if let last = pending.last, last.position == next.position {
                // Nothing written in between (a lost then recovered, a ring that is full): one restart.
                pending[pending.count - 1] = Interruption(resetTracker: last.resetTracker || next.resetTracker,
                                                          time: next.time, position: next.position)
            } else {
                pending.append(next)
            }
        }
        doorbell.ring()
    }

    public func run() async throws {
        logger.info("analysis started", metadata: [
            "hop_s": "\(settings.hop)", "model": "\(classifier.modelName)", "clock": "\(settings.pacing)",
        ])
        let thread = AnalysisThread(clock: clock)
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await thread.run { [self] in
                    let pipeline = try AnalysisPipeline(
                        ring: ring, classifier: classifier, input: input,
                        tracker: Self.initialTracker(classifier: classifier, settings: settings), hopSeconds: settings.hop)
                    switch settings.pacing {
                    case .wall: runOnWallClock(pipeline, thread)
                    case .audio: runOnAudioClock(pipeline, thread)
                    }
                }
            } onGracefulShutdown: { [doorbell] in
                thread.stop()
                doorbell.ring()
            }
        } onCancel: { [doorbell] in
            thread.stop()
            doorbell.ring()
        }
        logger.info("analysis stopped")
    }

    /// On `thread`: a window every `hop` seconds of the clock's monotonic time, until stopped.
    private func runOnWallClock(_ pipeline: AnalysisPipeline, _ thread: AnalysisThread) {
        var next = clock.now.advanced(bySeconds: settings.hop)
        var classifierFailing = false
        while thread.nap(until: next) {
            takeInterruptions(pipeline, within: .max)
            if let outcome = pipeline.step(time: clock.now.seconds, wallTime: clock.wallTime) {
                publish(outcome, pipeline, classifierFailing: &classifierFailing)
            }
            doorbell.ring()
            heartbeat.beat()
            next = next.advanced(bySeconds: settings.hop)
            let now = clock.now
            if next < now {
                // Overran a whole hop (a stall): realign rather than run the missed ticks back to back.
                next = now.advanced(bySeconds: settings.hop)
            }
        }
    }

    /// On `thread`: a window every `hop` seconds of samples, as soon as they are in the ring.
    private func runOnAudioClock(_ pipeline: AnalysisPipeline, _ thread: AnalysisThread) {
        let hopSamples = max(1, Int((settings.hop * Double(input.sampleRate)).rounded()))
        var analysed = 0  // samples taken since the start: the audio clock
        var classifierFailing = false
        while !thread.isStopping {
            // An interruption a whole hop or more ahead waits until the hops before it are analysed;
            // the rest of the old stream (less than a hop, like the end of a file) is dropped.
            takeInterruptions(pipeline, within: hopSamples - 1)
            guard ring.available >= hopSamples else {
                heartbeat.beat()
                // Not a hop's worth yet (or the file ended): sleep until capture writes, a source
                // event or shutdown rings, or 0.1 s passes (the heartbeat's beat while idle).
                _ = doorbell.wait(timeout: 0.1) {
                    ring.available >= hopSamples || thread.isStopping || interruptions.withLock { !$0.isEmpty }
                }
                continue
            }
            let time = Double(analysed) / Double(input.sampleRate)
            if let outcome = pipeline.step(time: time, wallTime: clock.wallTime, limit: hopSamples) {
                publish(outcome, pipeline, classifierFailing: &classifierFailing)
            }
            analysed += hopSamples
            doorbell.ring()
            heartbeat.beat()
        }
    }

    /// Takes, in order, the pending interruptions with at most `samples` unanalysed samples before them
    /// in the ring (`.max`: all of them).
    private func takeInterruptions(_ pipeline: AnalysisPipeline, within samples: Int) {
        while let next = interruptions.withLock({ pending -> Interruption? in
            guard let first = pending.first, pipeline.samplesBefore(first.position) <= samples else { return nil }
            return pending.removeFirst()
        }) {
            let events = pipeline.sourceInterrupted(resetTracker: next.resetTracker, at: next.time, position: next.position)
            if !events.isEmpty { hub.publish(events, tracker: pipeline.tracker, overruns: ring.overruns) }
        }
    }

    private func publish(_ outcome: AnalysisPipeline.Outcome, _ pipeline: AnalysisPipeline, classifierFailing: inout Bool) {
        hub.publish(outcome.events, tracker: pipeline.tracker, overruns: ring.overruns)
        if let error = outcome.classifierError {
            if !classifierFailing { logger.error("classifier failed", metadata: ["error": "\(error)"]) }
            classifierFailing = true
        } else if outcome.classified, classifierFailing {
            logger.notice("classifier working again")
            classifierFailing = false
        }
    }
}
