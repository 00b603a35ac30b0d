import MoodCore
import MoodSystem
import Synchronization

/// Runs one `AudioSource` on a dedicated thread (`SystemThread`), writing its samples (at the model's rate,
/// `AudioSource.sampleRate`) into a `SampleRing`,
/// and publishes the source's life as `MoodEvent.Source` events. The decisions (when to reopen,
/// how long to back off, which event to send) are `SourceSupervisor`'s; this is the thin shell
/// that performs them.
///
/// - The thread never waits for the consumer: `SampleRing.write` drops what does not fit (counted
///   in the events' `overruns`). The exception is a `lossless` loop (an unpaced file, a batch
///   source with no real time to keep up with): it sleeps on `doorbell` until each block fits, so
///   its consumer rings `doorbell` after reading (`AnalysisService` does: pass its `doorbell`).
///   The loop rings it after every write, for a consumer that sleeps until samples come.
/// - `onEvent` is called on the capture thread, in order; it must return quickly and must not call
///   `stop` (hand the event to an `AsyncStream` continuation or a lock-protected queue).
/// - `stop` is prompt: every source read returns within ~50 ms and a backoff wait ends at once (it
///   waits on a condition that `stop` signals), so the thread exits within about 50 ms of the
///   request (a PulseAudio server that is frozen, not dead, can hold a read longer;
///   `stop(timeout:)` then returns false).
/// - Time is the injected clock's: the supervisor's `now`, the backoff waits and the events' wall
///   time. Tests pass a `TestClock` and step through a backoff schedule without sleeping.
///
/// Lost frames in the events = the source's own count (ALSA overruns) + the length of every outage
/// between `lost` and `recovered`, at the source's `sampleRate`.
public final class CaptureLoop: Sendable {
    /// Monotonic counters, readable from any thread at any time.
    public struct Counters: Sendable, Equatable {
        /// Samples the source delivered (written to the ring or dropped by it).
        public var samples: Int
        /// Samples the ring dropped because the consumer fell behind.
        public var ringOverruns: Int
        /// Overruns the device reported (ALSA xruns).
        public var deviceOverruns: Int
        /// Device-lost samples plus outage gaps, at the source's `sampleRate`.
        public var lostFrames: Int
        /// CPU time the capture thread has used, seconds (CLOCK_THREAD_CPUTIME_ID).
        public var cpuSeconds: Double
    }

    /// The source's spec text, the `source` field of every event.
    public let name: String
    public let ring: SampleRing
    public let backoff: SourceSupervisor.Backoff
    /// Wait for room in the ring instead of dropping (see above).
    public let lossless: Bool
    /// The supervisor's time, the backoff waits and the events' timestamps.
    public let clock: any MonotonicClock
    /// Rung after every write; a lossless loop sleeps on it for room in the ring.
    public let doorbell: Doorbell
    private let makeSource: @Sendable () throws(AudioSourceError) -> any AudioSource
    private let onEvent: @Sendable (MoodEvent.Source) -> Void

    /// Set (inside `condition`'s lock) by `stop`; read lock-free between source reads.
    private let stopRequested = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    /// Set (inside `condition`'s lock) when the thread exits.
    private let finished = Atomic<Bool>(false)
    /// Wakes a backoff wait for `stop`, and `stop(timeout:)` for the thread's exit.
    private let condition = ThreadCondition()
    private let samples = Atomic<Int>(0)
    private let deviceOverruns = Atomic<Int>(0)
    private let lostFrames = Atomic<Int>(0)
    private let cpuNanoseconds = Atomic<Int>(0)

    /// `makeSource` is called once, on the capture thread (sources are not `Sendable`); a throw
    /// there ends the loop with an `ended` event carrying the error.
    public init(name: String, ring: SampleRing, backoff: SourceSupervisor.Backoff = .init(), lossless: Bool = false,
                clock: any MonotonicClock = SystemClock(), doorbell: Doorbell = Doorbell(),
                makeSource: @escaping @Sendable () throws(AudioSourceError) -> any AudioSource,
                onEvent: @escaping @Sendable (MoodEvent.Source) -> Void) {
        self.name = name
        self.ring = ring
        self.backoff = backoff
        self.lossless = lossless
        self.clock = clock
        self.doorbell = doorbell
        self.makeSource = makeSource
        self.onEvent = onEvent
    }

    /// The loop for a configured spec (see `AudioSources.make`), delivering `sampleRate` Hz (the
    /// model's, the ring's); lossless when the spec is not real time (`SourceSpec.isRealTime`).
    public convenience init(spec: SourceSpec, ring: SampleRing, sampleRate: Int, backoff: SourceSupervisor.Backoff = .init(),
                            pulseServer: String? = nil, clock: any MonotonicClock = SystemClock(),
                            doorbell: Doorbell = Doorbell(), onEvent: @escaping @Sendable (MoodEvent.Source) -> Void) {
        self.init(name: spec.description, ring: ring, backoff: backoff, lossless: !spec.isRealTime, clock: clock,
                  doorbell: doorbell,
                  makeSource: { () throws(AudioSourceError) in
                      try AudioSources.make(spec, sampleRate: sampleRate, pulseServer: pulseServer)
                  },
                  onEvent: onEvent)
    }

    public var counters: Counters {
        Counters(samples: samples.load(ordering: .relaxed), ringOverruns: ring.overruns,
                 deviceOverruns: deviceOverruns.load(ordering: .relaxed), lostFrames: lostFrames.load(ordering: .relaxed),
                 cpuSeconds: Double(cpuNanoseconds.load(ordering: .relaxed)) / 1e9)
    }

    /// True from `start` until the thread has exited.
    public var isRunning: Bool { started.load(ordering: .acquiring) && !finished.load(ordering: .acquiring) }

    /// Starts the capture thread. Call once; throws `.failed` if the thread cannot be created.
    public func start() throws(AudioSourceError) {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else {
            throw AudioSourceError(source: name, kind: .failed, detail: "CaptureLoop.start called twice")
        }
        do {
            try SystemThread.start("capture thread") { self.run() }
        } catch {
            finished.store(true, ordering: .releasing)
            throw AudioSourceError(source: name, kind: .failed, detail: "pthread_create: \(error.reason) (errno \(error.code))")
        }
    }

    /// Asks the thread to close the source and exit, and waits up to `timeout` seconds of real time
    /// (a bound on a thread stuck in a device read, whatever the clock) for it. Returns true when the
    /// thread has exited (or never started). Safe from any thread except the capture thread itself;
    /// calling it again is harmless.
    @discardableResult
    public func stop(timeout: Double = 2) -> Bool {
        condition.withLock {
            stopRequested.store(true, ordering: .releasing)
            condition.broadcast()
        }
        doorbell.ring()  // a lossless loop waiting for room
        guard started.load(ordering: .acquiring) else { return true }
        let deadline = SystemClock.now.advanced(bySeconds: timeout)
        return condition.withLock {
            SystemClock().wait(condition, until: deadline, orUntil: { finished.load(ordering: .acquiring) })
        }
    }

    // MARK: The capture thread

    private func run() {
        defer {
            condition.withLock {
                finished.store(true, ordering: .releasing)
                condition.broadcast()
            }
        }
        var supervisor = SourceSupervisor(backoff: backoff)
        let source: any AudioSource
        do {
            source = try makeSource()
        } catch {
            publish(.init(state: .ended, reason: error.description), device: nil, gapFrames: 0)
            return
        }
        defer { source.close() }
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: AudioSources.readCapacity(sampleRate: source.sampleRate))
        defer { buffer.deallocate() }
        var gapFrames = 0

        var step = supervisor.handle(.start(now: now))
        while true {
            if let event = step.event {
                if let gap = event.gapSeconds { gapFrames += Int((gap * Double(source.sampleRate)).rounded()) }
                publish(event, device: source, gapFrames: gapFrames)
            }
            if stopRequested.load(ordering: .acquiring), step.action != .finish, step.action != .none {
                step = supervisor.handle(.stop(now: now))
                continue
            }
            switch step.action {
            case .open:
                do {
                    try source.open()
                    step = supervisor.handle(.opened(now: now))
                } catch {
                    step = supervisor.handle(.openFailed(reason: error.description, retryable: error.isRetryable,
                                                         now: now))
                }
            case .read:
                step = readUntilFailure(source, buffer: buffer, supervisor: &supervisor, gapFrames: gapFrames)
            case .wait(let seconds):
                let deadline = clock.now.advanced(bySeconds: seconds)
                _ = condition.withLock {
                    clock.wait(condition, until: deadline, orUntil: { stopRequested.load(ordering: .acquiring) })
                }
                step = supervisor.handle(.waited(now: now))
            case .finish, .none:
                return
            }
        }
    }

    /// Reads and writes to the ring until the source fails, ends, or a stop is requested; returns
    /// the supervisor's step for that.
    private func readUntilFailure(_ source: any AudioSource, buffer: UnsafeMutableBufferPointer<Float>,
                                  supervisor: inout SourceSupervisor, gapFrames: Int) -> SourceSupervisor.Step {
        while !stopRequested.load(ordering: .acquiring) {
            let n: Int?
            do {
                n = try source.read(into: buffer)
            } catch {
                source.close()
                updateCounters(source, gapFrames: gapFrames)
                return supervisor.handle(.readFailed(reason: error.description, retryable: error.isRetryable,
                                                     now: now))
            }
            guard let n else {
                updateCounters(source, gapFrames: gapFrames)
                return supervisor.handle(.endOfStream(now: now))
            }
            if n > 0 {
                if lossless, !waitForRoom(n) { break }
                ring.write(UnsafeBufferPointer(rebasing: buffer[..<n]))
                doorbell.ring()
                samples.add(n, ordering: .relaxed)
            }
            updateCounters(source, gapFrames: gapFrames)
        }
        return supervisor.handle(.stop(now: now))
    }

    /// Sleeps on `doorbell` until the ring can take `count` samples; false if a stop was requested
    /// meanwhile. (The timeout only bounds the damage of a consumer that forgets to ring.)
    private func waitForRoom(_ count: Int) -> Bool {
        let needed = min(count, ring.capacity)
        while ring.freeSpace < needed {
            if stopRequested.load(ordering: .acquiring) { return false }
            _ = doorbell.wait(timeout: 0.1) { ring.freeSpace >= needed || stopRequested.load(ordering: .acquiring) }
        }
        return true
    }

    private func updateCounters(_ source: any AudioSource, gapFrames: Int) {
        deviceOverruns.store(source.overruns, ordering: .relaxed)
        lostFrames.store(source.lostFrames + gapFrames, ordering: .relaxed)
        cpuNanoseconds.store(Int(SystemClock.threadCPUSeconds * 1e9), ordering: .relaxed)
    }

    private func publish(_ event: SourceSupervisor.Event, device: (any AudioSource)?, gapFrames: Int) {
        if let device { updateCounters(device, gapFrames: gapFrames) }
        onEvent(MoodEvent.Source(
            state: event.state, source: name, overruns: ring.overruns, lostFrames: lostFrames.load(ordering: .relaxed),
            time: clock.wallTime, reason: event.reason))
    }

    /// The clock's monotonic seconds, the supervisor's `now`.
    private var now: Double { clock.now.seconds }
}
