import Logging
import MoodAudio
import MoodCore
import ServiceLifecycle

/// Runs MoodAudio's `CaptureLoop` (its own thread, writing the ring) for the lifetime of the
/// service group: started in `run`, stopped on graceful shutdown. Source events go to `onEvent`
/// (the analysis service's `sourceDidChange`).
public struct CaptureService: Service {
    public let loop: CaptureLoop
    private let logger: Logger

    public init(loop: CaptureLoop, logger: Logger) {
        self.loop = loop
        self.logger = logger
    }

    /// A capture loop for `spec` writing into `ring`, reporting to `onEvent`.
    public init(spec: SourceSpec, ring: SampleRing, logger: Logger, onEvent: @escaping @Sendable (MoodEvent.Source) -> Void) {
        self.init(loop: CaptureLoop(spec: spec, ring: ring, onEvent: onEvent), logger: logger)
    }

    public func run() async throws {
        try loop.start()
        logger.info("capture started", metadata: ["source": "\(loop.name)"])
        // Capture lives on its own thread; this task only holds the service's place until shutdown.
        try? await gracefulShutdown()
        if !loop.stop(timeout: 1) {
            logger.warning("capture thread did not stop within 1 s", metadata: ["source": "\(loop.name)"])
        }
    }
}
