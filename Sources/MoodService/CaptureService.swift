import Logging
import MoodAudio
import MoodCore
import MoodSystem
import ServiceLifecycle

/// Runs MoodAudio's `CaptureLoop` (its own thread, writing the ring) for the lifetime of the
/// service group: started in `run`, stopped on graceful shutdown. Source events go to `onEvent`
/// (the analysis service's `sourceDidChange`) through a `StallMonitor`, which this service's task
/// checks every `checkInterval` seconds: a source that reads nothing for `audio.stall_timeout`
/// seconds is announced `lost` (reason `stalled`), and `recovered` when samples flow again; so is a
/// first open that has not delivered samples `audio.stall_timeout` seconds after the start.
public struct CaptureService: Service {
    public let loop: CaptureLoop
    public let monitor: StallMonitor
    private let logger: Logger

    /// A capture loop for `spec` writing samples at `sampleRate` Hz (the model's) into `ring`, reporting to `onEvent`.
    /// - Parameter stallTimeout: `audio.stall_timeout`, seconds; 0 = off. Ignored (off) for a source
    ///   that is not real time (`file+unpaced:`), which waits for the analysis by design.
    /// - Parameter doorbell: shared with the ring's consumer (`AnalysisService.doorbell`), so each
    ///   side of a batch source sleeps until the other has moved, instead of polling.
    public init(spec: SourceSpec, ring: SampleRing, sampleRate: Int, stallTimeout: Double, logger: Logger,
                doorbell: Doorbell = Doorbell(), onEvent: @escaping @Sendable (MoodEvent.Source) -> Void) {
        let monitor = StallMonitor(timeout: spec.isRealTime ? stallTimeout : 0, name: spec.description, onEvent: onEvent)
        self.monitor = monitor
        self.loop = CaptureLoop(spec: spec, ring: ring, sampleRate: sampleRate, doorbell: doorbell,
                                onEvent: { monitor.sourceDidChange($0) })
        self.logger = logger
    }

    public func run() async throws {
        monitor.captureStarting()
        try loop.start()
        logger.info("capture started", metadata: ["source": "\(loop.name)"])
        // Capture lives on its own thread; this task checks it for stalls until shutdown.
        let interval = Duration.milliseconds(Int64((monitor.checkInterval * 1000).rounded()))
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                break
            }
            monitor.check(loop.counters)
        }
        if !loop.stop(timeout: 1) {
            logger.warning("capture thread did not stop within 1 s", metadata: ["source": "\(loop.name)"])
        }
    }
}
