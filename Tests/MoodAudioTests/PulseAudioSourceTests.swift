import Foundation
@testable import MoodAudio
import MoodCore
import MoodSystem
import MoodTestKit
import Testing

/// End to end against a real PulseAudio server (no sound card): paplay -> null sink -> monitor ->
/// `PulseAudioSource` -> the model's rate (16 and 22.05 kHz); then the server dies and comes back
/// under a running `CaptureLoop`.
@Suite(.enabled(if: PulseServer.isAvailable, Comment(rawValue: PulseServer.skipReason)), .serialized, .timeLimit(.minutes(1)))
struct PulseAudioSourceTests {
    static let fixture = Fixtures.path("audio/sine440_48000_stereo_s24.wav")

    /// The fixture at 48 kHz, mono by the channel mean (libsndfile's floats, as AudioFileDecoder).
    static func fixtureMono48k() throws -> [Float] {
        let file = try Sndfile(path: fixture)
        let channels = file.channels
        var interleaved = [Float](repeating: 0, count: 65536 * channels)
        var out: [Float] = []
        while true {
            let n = try interleaved.withUnsafeMutableBufferPointer { try file.readFrames(into: $0.baseAddress!, frames: 65536) }
            if n == 0 { break }
            out += LiveSignal.mono(Array(interleaved[0..<n * channels]), channels: channels)
        }
        return out
    }

    @Test(arguments: [16000, 22050])
    func capturesWhatIsPlayedThenLosesAndRecoversTheServer(sampleRate: Int) async throws {
        // Real time and blocking reads: on a thread of its own, never the cooperative pool's (two
        // threads here), which the other tests need meanwhile.
        try await offPool {
            let server = try PulseServer(sink: "rate=48000 channels=2 format=s24le")
            try server.start()
            defer { server.kill() }

            let ring = SampleRing(capacity: 1 << 19)  // 32 s
            let log = SourceEventRecorder()
            let address = server.address
            let loop = CaptureLoop(name: "pulse:spk.monitor", ring: ring, makeSource: { () throws(AudioSourceError) in
                try PulseAudioSource(source: "spk.monitor", sampleRate: sampleRate, server: address)
            }, onEvent: log.append)
            try loop.start()
            defer { loop.stop() }
            #expect(log.wait(for: .started, timeout: 5) != nil, "no started event: \(log.states)")

            usleep(200_000)
            try server.play(Self.fixture)
            usleep(300_000)
            var captured: [Float] = []
            ring.read(appendingTo: &captured, maxCount: ring.available)

            // Expected: the same 48 kHz stream (k samples of silence, then the fixture, then silence)
            // through the same mean + Resampler chain. The coarse lag (at `sampleRate`) comes from
            // cross-correlation with AudioFileDecoder's output; k is then searched around lag x 48000 / sampleRate.
            let reference = try Decode.all(Self.fixture, sampleRate: sampleRate)
            let x48 = try Self.fixtureMono48k()
            let lag = Self.bestLag(captured, reference)
            let centre = lag * 48000 / sampleRate
            var best: (k: Int, error: Float) = (-1, .infinity)
            for k in max(0, centre - 6)...(centre + 6) {
                let stream = [Float](repeating: 0, count: k) + x48 + [Float](repeating: 0, count: 48000)
                let expected = try LiveSignal.resampled(stream, rate: 48000, to: sampleRate, finish: false)
                let m = min(captured.count, expected.count)
                let e = LiveSignal.maxAbsDiff(captured[0..<m], expected[0..<m])
                if e < best.error { best = (k, e) }
            }
            let vsLibrosa = LiveSignal.maxAbsDiff(captured[lag..<lag + reference.count], reference[...])
            print("pulse e2e: \(captured.count) samples, lag \(lag) at \(sampleRate) Hz, k = \(best.k) at 48 kHz, "
                  + "max |error| vs the same chain \(best.error), vs AudioFileDecoder at the integer lag \(vsLibrosa)")
            #expect(captured.count > reference.count + lag)
            // Measured 0: the server passes s24 -> float32 exactly and the chain is the same code.
            #expect(best.error <= 1e-6)

            // The server dies: `lost` within 2 s. It comes back: `recovered` within 5 s of its return.
            let before = log.all.count
            let killedAt = monotonic()
            server.kill()
            let lost = try #require(log.wait(for: .lost, after: before, timeout: 2), "no lost event: \(log.states)")
            print("pulse e2e: lost \(Int((lost.at - killedAt) * 1000)) ms after SIGTERM: \(lost.event.reason ?? "-")")
            #expect(lost.event.reason?.contains("pa_simple_read") == true)
            usleep(700_000)  // a few failed reopens: the backoff is at 0.5-1 s by now
            try server.start()
            let backAt = server.spawnedAt
            let recovered = try #require(log.wait(for: .recovered, after: before, timeout: 5), "no recovered: \(log.states)")
            print("pulse e2e: recovered \(Int((recovered.at - backAt) * 1000)) ms after the server was spawned again; "
                  + "lost frames (outage) \(recovered.event.lostFrames); capture thread CPU \(loop.counters.cpuSeconds) s "
                  + "for \(loop.counters.samples) samples")
            #expect(recovered.at - backAt < 5)
            #expect(recovered.event.lostFrames > sampleRate / 2)  // the outage was > 0.7 s, counted at sampleRate
            #expect(log.states.filter { $0 == .lost }.count == 1)  // once per outage

            // Capture continues after the recovery.
            let samplesThen = loop.counters.samples
            usleep(300_000)
            #expect(loop.counters.samples - samplesThen > 3000)

            let stopAt = monotonic()
            #expect(loop.stop(timeout: 1))
            let stopSeconds = monotonic() - stopAt
            print("pulse e2e: stop took \(Int(stopSeconds * 1000)) ms")
            #expect(stopSeconds < 0.1)
            #expect(log.all.last?.event.state == .ended)
            #expect(log.all.last?.event.reason == "stopped")
        }
    }

    /// A long outage: the backoff has reached its 2 s cap, so the reopen comes at most 2 s after the
    /// server is back. The backoff runs on a test clock, stepped through its waits (0.25, 0.5, 1, 2 s
    /// with the default backoff) instead of sleeping them.
    @Test func recoversWithinTheBackoffCapAfterALongOutage() async throws {
        let server = try PulseServer(sink: "rate=48000 channels=2 format=s16le")
        try server.start()
        defer { server.kill() }
        let clock = TestClock()
        let log = SourceEventRecorder(clock: clock)
        let address = server.address
        let loop = CaptureLoop(name: "pulse:spk.monitor", ring: SampleRing(capacity: 1 << 16), clock: clock,
                               makeSource: { () throws(AudioSourceError) in
            try PulseAudioSource(source: "spk.monitor", sampleRate: 16000, server: address)
        }, onEvent: log.append)
        try loop.start()
        defer { loop.stop() }
        #expect(log.wait(for: .started, timeout: 5) != nil)
        server.kill()
        #expect(log.wait(for: .lost, timeout: 2) != nil)
        // Failed reopens while the server is away: the waits double up to the cap.
        var waits: [Double] = []
        for _ in 0..<5 { waits.append(try #require(await clock.advanceToNextDeadline(timeout: 10))) }
        #expect(waits == [0.25, 0.5, 1, 2, 2], "\(waits)")
        try server.start()
        #expect(await clock.waitForSleepers(timeout: 10))
        let backAt = clock.now.seconds
        let wait = try #require(await clock.advanceToNextDeadline(timeout: 10))
        let recovered = try #require(log.wait(for: .recovered, timeout: 5), "no recovered: \(log.states)")
        print("pulse long outage: recovered \(recovered.at - backAt) s (test clock) after the server was spawned again")
        #expect(wait <= 2)
        #expect(recovered.at - backAt <= 2)
        #expect(log.states == [.started, .lost, .recovered])
    }

    /// With fragsize 20 ms reads come every ~20 ms (not in 2 s lumps), at the rate asked for; the
    /// server's latency estimate stays small. Also measures the capture thread's CPU use.
    @Test(arguments: [16000, 22050])
    func deliversSmallFragmentsWithLowLatency(sampleRate: Int) async throws {
        // Real time and blocking reads: on a thread of its own, never the cooperative pool's (two
        // threads here), which the other tests need meanwhile.
        try await offPool {
            let server = try PulseServer(sink: "rate=48000 channels=2 format=s16le")
            try server.start()
            defer { server.kill() }
            let source = try PulseAudioSource(source: "spk.monitor", sampleRate: sampleRate, server: server.address)
            try source.open()
            defer { source.close() }
            var buffer = [Float](repeating: 0, count: AudioSources.readCapacity(sampleRate: sampleRate))
            var intervals: [Double] = []
            var latencies: [Double] = []
            var total = 0
            let cpu0 = SystemClock.threadCPUSeconds
            var last = monotonic()
            let start = last
            while monotonic() - start < 3 {
                let n = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) } ?? 0
                let now = monotonic()
                if n > 0 {
                    intervals.append(now - last)
                    total += n
                }
                last = now
                if let l = source.latencySeconds() { latencies.append(l) }
            }
            let cpu = SystemClock.threadCPUSeconds - cpu0
            let wall = monotonic() - start
            let sorted = intervals.dropFirst(5).sorted()
            let median = sorted[sorted.count / 2], p99 = sorted[sorted.count * 99 / 100]
            let latencySorted = latencies.sorted()
            print("pulse fragments at \(sampleRate) Hz: \(intervals.count) reads in \(wall) s, median interval \(median * 1000) ms, "
                  + "p99 \(p99 * 1000) ms, pa latency median \(latencySorted[latencySorted.count / 2] * 1000) ms, "
                  + "max \((latencySorted.last ?? 0) * 1000) ms; CPU \(cpu) s = \(cpu / wall * 100) % of a core")
            #expect(median > 0.010 && median < 0.030)
            #expect(p99 < 0.5)  // not the 2 s lumps of a default fragsize; generous for a loaded machine
            #expect(abs(Double(total) / wall - Double(sampleRate)) < Double(sampleRate) / 20)  // real time, at sampleRate
            #expect(latencySorted[latencySorted.count / 2] < 0.1)
        }
    }

    @Test func noServerIsUnavailable() throws {
        let dir = try TemporaryDirectory()
        let source = try PulseAudioSource(source: nil, sampleRate: 16000, server: "unix:\(dir.path)/nothing-here")
        #expect {
            try source.open()
        } throws: { error in
            let e = error as! AudioSourceError
            return e.kind == .unavailable && e.description.hasPrefix("pulse: source unavailable (pa_simple_new: ")
        }
    }

    @Test func rejectsBadParameters() {
        #expect(throws: AudioSourceError.self) { try PulseAudioSource(source: nil, sampleRate: 16000, captureRate: 100) }
        #expect(throws: AudioSourceError.self) { try PulseAudioSource(source: nil, sampleRate: 16000, captureChannels: 0) }
        #expect(throws: AudioSourceError.self) { try PulseAudioSource(source: nil, sampleRate: 16000, fragmentSeconds: 2) }
        #expect(throws: AudioSourceError.self) { try PulseAudioSource(source: nil, sampleRate: 4000) }
    }

    /// The lag (0...) of `b` inside `a` maximising their cross-correlation, searched around where
    /// `a` first exceeds a tenth of its peak.
    static func bestLag(_ a: [Float], _ b: [Float]) -> Int {
        let peak = a.map(abs).max() ?? 0
        let onsetA = a.firstIndex { abs($0) > peak / 10 } ?? 0
        let onsetB = b.firstIndex { abs($0) > peak / 10 } ?? 0
        let guess = max(0, onsetA - onsetB)
        var best = (lag: guess, score: -Float.infinity)
        for lag in max(0, guess - 200)...(guess + 200) where lag + b.count <= a.count {
            var s: Float = 0
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    for i in 0..<pb.count { s += pa[lag + i] * pb[i] }
                }
            }
            if s > best.score { best = (lag, s) }
        }
        return best.lag
    }
}
