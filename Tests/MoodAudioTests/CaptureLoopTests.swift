import Foundation
import MoodAudio
import MoodCore
import MoodSystem
import MoodTestKit
import Synchronization
import Testing

/// A scripted source for the shell's behaviour: opens fail `failOpens` times, then each open
/// delivers `samplesPerOpen` samples of ones and is lost (`lostAfterwards`) or ends.
final class ScriptedSource: AudioSource {
    let description = "scripted"
    let sampleRate = 16000
    var failOpens: Int
    let samplesPerOpen: Int
    let lostAfterwards: Bool
    private var left = 0
    var overruns: Int { 0 }
    var lostFrames: Int { 0 }

    init(failOpens: Int, samplesPerOpen: Int, lostAfterwards: Bool) {
        self.failOpens = failOpens
        self.samplesPerOpen = samplesPerOpen
        self.lostAfterwards = lostAfterwards
    }

    func open() throws(AudioSourceError) {
        if failOpens > 0 {
            failOpens -= 1
            throw AudioSourceError(source: description, kind: .unavailable, detail: "not yet")
        }
        left = samplesPerOpen
    }

    func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioSourceError) -> Int? {
        if left == 0 {
            if lostAfterwards { throw AudioSourceError(source: description, kind: .lost, detail: "unplugged") }
            return nil
        }
        let n = min(left, buffer.count, 160)
        for i in 0..<n { buffer[i] = 1 }
        left -= n
        usleep(1000)
        return n
    }

    func close() {}
}

@Suite(.timeLimit(.minutes(1)))
struct CaptureLoopTests {
    /// Open fails twice (lost, backoff 20 ms then 40 ms), then started; the source is lost, reopens
    /// after 20 ms and recovers; the gap counts as lost frames; the stop ends it. On a test clock:
    /// the backoff schedule is checked exactly, and no time is slept.
    @Test func backsOffRecoversAndStops() async throws {
        let ring = SampleRing(capacity: 1 << 14)
        let clock = TestClock()
        let log = SourceEventRecorder(clock: clock)
        let loop = CaptureLoop(name: "scripted", ring: ring, backoff: .init(initial: 0.02, maximum: 0.08), clock: clock,
                               makeSource: { ScriptedSource(failOpens: 2, samplesPerOpen: 800, lostAfterwards: true) },
                               onEvent: log.append)
        let t0 = clock.now.seconds
        try loop.start()
        defer { loop.stop() }
        #expect(log.wait(for: .lost, timeout: 5) != nil)
        #expect(await clock.advanceToNextDeadline() == 0.02)
        #expect(await clock.advanceToNextDeadline() == 0.04)
        let started = try #require(log.wait(for: .started, timeout: 5))
        #expect(abs(started.at - t0 - 0.06) < 1e-9)  // 0.02 + 0.04 of backoff
        #expect(log.wait(for: .lost, after: 2, timeout: 5) != nil)
        #expect(await clock.advanceToNextDeadline() == 0.02)  // a new episode starts the backoff again
        let recovered = try #require(log.wait(for: .recovered, timeout: 5))
        #expect(Array(log.states.prefix(4)) == [.lost, .started, .lost, .recovered])
        #expect(log.all[0].event.reason == "scripted: source unavailable (not yet)")
        #expect(log.all[2].event.reason == "scripted: source lost (unplugged)")
        #expect(recovered.event.lostFrames >= Int(0.02 * 16000))  // at least the backoff
        #expect(log.wait(for: .lost, after: 4, timeout: 2) != nil)  // the second session delivered all and was lost
        #expect(loop.stop(timeout: 1))
        #expect(log.all.last?.event.state == .ended && log.all.last?.event.reason == "stopped")
        #expect(loop.counters.samples >= 1600)
        var got: [Float] = []
        ring.read(appendingTo: &got, maxCount: ring.available)
        #expect(got.count == loop.counters.samples && got.allSatisfy { $0 == 1 })
    }

    /// A consumer that never reads: the ring drops, the thread carries on, the events count it.
    @Test func fullRingNeverBlocksTheThread() throws {
        let ring = SampleRing(capacity: 1024)
        let log = SourceEventRecorder()
        let loop = CaptureLoop(name: "scripted", ring: ring,
                               makeSource: { ScriptedSource(failOpens: 0, samplesPerOpen: 5000, lostAfterwards: false) },
                               onEvent: log.append)
        try loop.start()
        let ended = try #require(log.wait(for: .ended, timeout: 5))
        #expect(ended.event.overruns == 5000 - 1024)
        #expect(loop.counters.ringOverruns == 5000 - 1024)
        #expect(loop.counters.samples == 5000)
    }

    /// An unpaced file is a batch source: capture waits for a slow consumer instead of dropping, so
    /// every decoded sample reaches the ring, in order, at the rate asked for (the model's).
    @Test(arguments: [16000, 22050])
    func unpacedFileIsLossless(sampleRate: Int) throws {
        let path = Fixtures.path("audio/sine440_16000_mono_s16.wav")
        let ring = SampleRing(capacity: 512)
        let log = SourceEventRecorder()
        let loop = CaptureLoop(spec: try SourceSpec(parsing: "file+unpaced:" + path), ring: ring, sampleRate: sampleRate,
                               onEvent: log.append)
        #expect(loop.lossless)
        try loop.start()
        defer { loop.stop() }
        var got: [Float] = []
        while log.wait(for: .ended, timeout: 0) == nil || ring.available > 0 {
            ring.read(appendingTo: &got, maxCount: 100)  // a consumer slower than the decoder
            loop.doorbell.ring()  // room: the loop sleeps on it
            usleep(200)
        }
        let decoder = try AudioFileDecoder(path: path, sampleRate: sampleRate)
        var expected: [Float] = []
        let block = UnsafeMutableBufferPointer<Float>.allocate(capacity: 4096)
        defer { block.deallocate() }
        while case let n = try decoder.read(into: block), n > 0 { expected += block[..<n] }
        #expect(ring.overruns == 0)
        #expect(got.count == expected.count && got == expected)
        #expect(log.all.last?.event.overruns == 0)
    }

    /// A paced looping file never ends by itself; stop must return within 100 ms.
    @Test func stopIsPrompt() throws {
        let ring = SampleRing(capacity: 1 << 16)
        let log = SourceEventRecorder()
        let spec = try SourceSpec(parsing: "file+loop:" + Fixtures.path("audio/sine440_16000_mono_s16.wav"))
        let loop = CaptureLoop(spec: spec, ring: ring, sampleRate: 16000, onEvent: log.append)
        try loop.start()
        #expect(log.wait(for: .started, timeout: 2) != nil)
        usleep(300_000)
        let t0 = monotonic()
        #expect(loop.stop(timeout: 1))
        let took = monotonic() - t0
        print("capture loop stop (paced file): \(Int(took * 1000)) ms")
        #expect(took < 0.1)
        #expect(log.states == [.started, .ended])
        // ~0.3 s of real time at 16 kHz went into the ring.
        #expect(abs(loop.counters.samples - 4800) < 1600)
    }

    /// Stop during a backoff wait is prompt too.
    @Test func stopDuringBackoffIsPrompt() throws {
        let log = SourceEventRecorder()
        let loop = CaptureLoop(name: "scripted", ring: SampleRing(capacity: 1024), backoff: .init(initial: 5, maximum: 5),
                               makeSource: { ScriptedSource(failOpens: 100, samplesPerOpen: 0, lostAfterwards: false) },
                               onEvent: log.append)
        try loop.start()
        #expect(log.wait(for: .lost, timeout: 2) != nil)
        let t0 = monotonic()
        #expect(loop.stop(timeout: 1))
        #expect(monotonic() - t0 < 0.1)
        #expect(log.states == [.lost, .ended])
    }

    @Test func unfixableErrorEnds() throws {
        let log = SourceEventRecorder()
        let loop = CaptureLoop(spec: .file(path: "/nonexistent.wav", loop: false, paced: true),
                               ring: SampleRing(capacity: 1024), sampleRate: 16000, onEvent: log.append)
        try loop.start()
        let ended = try #require(log.wait(for: .ended, timeout: 2))
        #expect(ended.event.reason == "file:/nonexistent.wav: source failed (/nonexistent.wav: no such file (open: No such file or directory))")
        #expect(log.states == [.ended])
        #expect(loop.stop(timeout: 1))
        #expect(throws: AudioSourceError.self) { try loop.start() }
    }
}
