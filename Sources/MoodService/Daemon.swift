#if canImport(Glibc)
import Glibc
#endif
import Logging
import MoodAudio
import MoodCore
import MoodModel
import ServiceLifecycle

/// The daemon assembled from a validated `Config` and a model: the capture ring, hub, analysis, socket
/// server, event log, systemd notifier and SIGHUP handling, and the capture (`makeCapture`), as one
/// `ServiceGroup` (Hummingbird's `buildApplication` split: building is separate from running, so tests
/// build and run the same thing). The model file's `input` sizes the ring and drives the analysis.
///
/// Startup order is the array's; graceful shutdown (SIGTERM, SIGINT) runs in reverse: the notifier
/// says STOPPING=1, the analysis finishes the window in flight, capture stops, the socket server says
/// goodbye to its clients and unlinks the socket, and the log writes what is queued and syncs (for up to 1 s;
/// a writer stuck on a disk that hangs is left behind).
/// Everything is bounded so the process exits within 2 s.
public struct Daemon: Sendable {
    public let config: Config
    /// The capture ring: `ringSeconds` of samples at the model's rate, written by capture, read by the analysis.
    public let ring: SampleRing
    public let hub: EventHub
    public let analysis: AnalysisService
    public let server: SocketServer
    /// nil when `log.path` is empty.
    public let log: EventLog?
    /// nil when not started by systemd with `Type=notify` (`$NOTIFY_SOCKET` unset).
    public let notifier: SystemdNotifierService?
    /// nil when `mqtt.host` is empty.
    public let mqtt: MQTTService?
    public let logger: Logger
    private let environment: [String: String]

    /// Seconds of audio the capture ring holds: room for the analysis to fall behind by a few windows.
    public static let ringSeconds = 10.0

    /// Builds every part; starts nothing.
    /// - Parameters:
    ///   - input: the model file's `input` (`MoodClassifier.input`): the front end, the patch (the
    ///     classifier's) and the sample rate capture delivers, which must be one of
    ///     `AudioFileDecoder.outputSampleRates` (moodd's model loader refuses another with one line).
    ///   - environment: for `$NOTIFY_SOCKET`, `$WATCHDOG_USEC`, `$WATCHDOG_PID`.
    public init(
        config: Config, classifier: any PatchClassifier, input: ModelInput, environment: [String: String], logger: Logger
    ) {
        precondition(AudioFileDecoder.outputSampleRates.contains(input.sampleRate),
                     "capture cannot deliver \(input.sampleRate) Hz, the model's rate")
        self.config = config
        ring = SampleRing(capacity: SampleRing.capacity(seconds: Self.ringSeconds, sampleRate: input.sampleRate))
        self.logger = logger
        self.environment = environment
        let settings = AnalysisService.Settings(config)
        hub = EventHub(
            hello: MoodEvent.Hello(
                model: classifier.modelName, labels: classifier.labels.names,
                contentLabels: classifier.hasContentHead ? ContentKind.labels : nil, hop: config.hop),
            tracker: AnalysisService.initialTracker(classifier: classifier, settings: settings),
            sourceName: config.source.description, maxClients: config.maxClients,
            unreadTimeout: config.unreadTimeout, history: config.historySettings)
        analysis = AnalysisService(ring: ring, classifier: classifier, input: input, hub: hub, settings: settings, logger: logger)
        server = SocketServer(settings: SocketServer.Settings(config), hub: hub, logger: logger)
        if config.logPath.isEmpty {
            log = nil
        } else {
            let log = EventLog(config, logger: logger)
            hub.attach(log)
            self.log = log
        }
        if config.mqttHost.isEmpty {
            mqtt = nil
        } else {
            let mqtt = MQTTService(settings: MQTTService.Settings(config, labels: classifier.labels.names),
                                   snapshot: { [hub] in hub.snapshot() }, logger: logger)
            hub.attach(mqtt)
            hub.attachMQTT(status: { [mqtt] in mqtt.status })
            self.mqtt = mqtt
        }
        if let notifier = SystemdNotifier(environment: environment) {
            self.notifier = SystemdNotifierService(
                notifier: notifier, watchdog: SystemdNotifier.watchdogInterval(environment: environment),
                readiness: [server.listening], heartbeat: analysis.heartbeat,
                summary: { [hub] in hub.summary }, logger: logger)
        } else {
            notifier = nil
        }
    }

    /// The capture of `config.source` into `ring` at the model's rate, reporting through `reportSource`
    /// and sharing the analysis's doorbell: the service `serviceGroup(capture:)` runs in `moodd run`.
    public func makeCapture() -> CaptureService {
        CaptureService(spec: config.source, ring: ring, sampleRate: analysis.input.sampleRate,
                       stallTimeout: config.stallTimeout, logger: logger, doorbell: analysis.doorbell, onEvent: reportSource)
    }

    /// The capture loop's event callback: `makeCapture` hands it to the capture service.
    ///
    /// Also written to stderr (the journal), where an operator looks first: the supervisor emits one
    /// event per episode (one `lost` per outage, however many reopens fail), so this is one line per
    /// episode, not one per retry.
    public func reportSource(_ event: MoodEvent.Source) {
        analysis.sourceDidChange(event)
        var metadata: Logger.Metadata = ["source": "\(event.source)"]
        if let reason = event.reason { metadata["reason"] = "\(reason)" }
        switch event.state {
        case .started: logger.info("audio source started", metadata: metadata)
        case .recovered: logger.notice("audio source recovered", metadata: metadata)
        case .lost where event.reason == StallMonitor.reason:
            logger.error("audio source stalled: no samples for audio.stall_timeout seconds; waiting for them (the socket stays up)",
                         metadata: metadata)
        case .lost: logger.error("audio source lost; retrying until it is back (the socket stays up)", metadata: metadata)
        case .ended where event.reason == "stopped": break
        case .ended where event.reason != nil: logger.error("audio source failed; no more audio until a restart", metadata: metadata)
        case .ended: logger.notice("audio source ended", metadata: metadata)
        }
    }

    /// The group to run. `capture` writes the ring and reports through `reportSource`; without one
    /// (tests), readiness waits for a `source started` that a test publishes itself.
    public func serviceGroup(capture: (any Service)?) -> ServiceGroup {
        var services: [any Service] = []
        if let log { services.append(log) }
        services.append(server)
        services.append(HangupService(onHangup: { [logger] in
            if let log {
                log.reopen()
            } else {
                logger.notice("SIGHUP: no event log to reopen (log.path is empty); nothing to do")
            }
        }))
        if let mqtt { services.append(mqtt) }
        if let capture { services.append(capture) }
        services.append(analysis)
        if let notifier { services.append(notifier) }
        var configuration = ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(1500)
        configuration.maximumCancellationDuration = .milliseconds(300)
        return ServiceGroup(configuration: configuration)
    }

    /// Checks what can be checked before anything starts, so that the common failures (another
    /// moodd running, something else at the socket path) are one clear error and no side effects.
    public func preflight() throws {
        try SocketPath.clear(config.socketPath)
    }

    /// Process-wide settings a daemon needs: a client that hangs up mid-write must not kill it
    /// (SIGPIPE; NIO ignores it on its sockets, this covers every other descriptor), and a log file
    /// that reaches `RLIMIT_FSIZE` must fail the write with `EFBIG` rather than kill it (SIGXFSZ).
    public static func prepareProcess() {
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
    }
}
