import Logging
import MoodCore
import ServiceLifecycle
import Synchronization

/// Every `analysis.hop` seconds: the new samples from the capture ring through the front end, the
/// latest 3 s window to the classifier (skipped when silent), the tracker, and the resulting
/// `change`/`mood` events to the hub.
///
/// The loop is the ring's only consumer and never waits for capture: with no new samples (source
/// lost, file ended) a tick publishes nothing; when it falls behind it skips to the newest window.
/// Ticks are scheduled on a fixed grid (`hop` apart), not `hop` after the previous one finished, so
/// inference time does not make the cadence drift; a tick that overran is skipped, not doubled.
/// Graceful shutdown interrupts the wait between ticks, never an analysis in flight.
///
/// Inference runs on the loop's task (musicnn: tens of milliseconds per patch), which is fine for
/// one stream; NIO's event loops and the capture thread are separate threads.
public final class AnalysisService: Service {
    public struct Settings: Sendable, Equatable {
        /// Seconds between analyses (`analysis.hop`).
        public var hop: Double
        public var tracker: MoodTracker.Settings

        public init(hop: Double, tracker: MoodTracker.Settings) {
            precondition(hop > 0)
            self.hop = hop
            self.tracker = tracker
        }

        public init(_ config: Config) {
            self.init(hop: config.hop, tracker: config.trackerSettings)
        }
    }

    public let settings: Settings
    /// Beats after every tick; the systemd watchdog's evidence of life.
    public let heartbeat = Heartbeat()
    public let ring: SampleRing
    private let classifier: any PatchClassifier
    private let hub: EventHub
    private let logger: Logger
    /// Source interruptions reported by the capture thread, for the loop's next tick.
    private let interruption = Mutex<Interruption?>(nil)

    private struct Interruption {
        var resetTracker: Bool
        var time: Timestamp
    }

    public init(ring: SampleRing, classifier: any PatchClassifier, hub: EventHub, settings: Settings, logger: Logger) {
        self.ring = ring
        self.classifier = classifier
        self.hub = hub
        self.settings = settings
        self.logger = logger
    }

    /// The tracker as the hub should hold it before the first analysis.
    public static func initialTracker(classifier: any PatchClassifier, settings: Settings) -> MoodTracker {
        MoodTracker(labels: classifier.labels, settings: settings.tracker)
    }

    /// Called by the capture loop (on its thread) for every source event: published at once; a
    /// `lost`, `ended` or `recovered` source also restarts the windows at the next tick, and `lost`
    /// or `ended` returns the announced state to `listening`.
    public func sourceDidChange(_ event: MoodEvent.Source) {
        hub.publish([.source(event)])
        guard event.state != .started else { return }
        let resetTracker = event.state == .lost || event.state == .ended
        interruption.withLock { pending in
            let earlier = pending?.resetTracker ?? false
            pending = Interruption(resetTracker: earlier || resetTracker, time: event.time)
        }
    }

    public func run() async throws {
        let pipeline = try AnalysisPipeline(
            ring: ring, classifier: classifier, tracker: Self.initialTracker(classifier: classifier, settings: settings))
        let clock = ContinuousClock()
        let hop = Duration.milliseconds(Int64((settings.hop * 1000).rounded()))
        var next = clock.now + hop
        var classifierFailing = false
        logger.info("analysis started", metadata: ["hop_s": "\(settings.hop)", "model": "\(classifier.modelName)"])
        while true {
            let deadline = next
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(until: deadline, clock: clock) }
            } catch {
                break
            }
            if let pending = interruption.withLock({ p -> Interruption? in defer { p = nil }; return p }) {
                let events = pipeline.sourceInterrupted(resetTracker: pending.resetTracker, at: pending.time)
                if !events.isEmpty { hub.publish(events, tracker: pipeline.tracker, overruns: ring.overruns) }
            }
            let time = Double(Clocks.monotonicNanoseconds()) / 1e9
            if let outcome = pipeline.step(time: time, wallTime: Clocks.wallTime()) {
                hub.publish(outcome.events, tracker: pipeline.tracker, overruns: ring.overruns)
                if let error = outcome.classifierError {
                    if !classifierFailing { logger.error("classifier failed", metadata: ["error": "\(error)"]) }
                    classifierFailing = true
                } else if outcome.classified, classifierFailing {
                    logger.notice("classifier working again")
                    classifierFailing = false
                }
            }
            heartbeat.beat()
            next += hop
            let now = clock.now
            if next < now {
                // Overran a whole hop (a stall): realign rather than run the missed ticks back to back.
                next = now + hop
            }
        }
        logger.info("analysis stopped")
    }
}
