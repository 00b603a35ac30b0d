import Foundation
import MoodAudio
import MoodCore
import MoodSystem
import MoodTestKit
import Synchronization

/// Collects a `CaptureLoop`'s events (called on the capture thread) for the test to wait on.
final class SourceEventRecorder: @unchecked Sendable {
    // @unchecked: `entries` is guarded by `condition`.
    struct Entry: Sendable {
        var event: MoodEvent.Source
        /// Seconds on the recorder's clock (the loop's) when it arrived.
        var at: Double
    }

    let clock: any MonotonicClock
    private let condition = ThreadCondition()
    private var entries: [Entry] = []

    init(clock: any MonotonicClock = SystemClock()) {
        self.clock = clock
    }

    var all: [Entry] { condition.withLock { entries } }
    var states: [MoodEvent.SourceState] { all.map(\.event.state) }

    func append(_ event: MoodEvent.Source) {
        let now = clock.now.seconds
        condition.withLock {
            entries.append(Entry(event: event, at: now))
            condition.broadcast()
        }
    }

    /// Waits until an event with `state` arrives after the first `after` events; returns it, or nil
    /// after `timeout` seconds of real time.
    func wait(for state: MoodEvent.SourceState, after: Int = 0, timeout: Double) -> Entry? {
        let deadline = SystemClock.now.advanced(bySeconds: timeout)
        return condition.withLock {
            var found: Entry?
            _ = SystemClock().wait(condition, until: deadline, orUntil: {
                found = entries.dropFirst(after).first { $0.event.state == state }
                return found != nil
            })
            return found
        }
    }
}

/// `CLOCK_MONOTONIC` seconds, for timing real-time behaviour.
func monotonic() -> Double { SystemClock.now.seconds }

/// Signals and reference chains for the live-source tests.
enum LiveSignal {
    /// Deterministic interleaved s16 test audio: a different sine per channel plus LCG noise, so
    /// every channel and every sample matters. [frames * channels]
    static func s16(frames: Int, channels: Int, rate: Int, seed: UInt32 = 12345) -> [Int16] {
        var state = seed
        var out = [Int16](repeating: 0, count: frames * channels)
        for f in 0..<frames {
            for c in 0..<channels {
                state = state &* 1_664_525 &+ 1_013_904_223
                let noise = Double(Int32(bitPattern: state) >> 16) / 32768 * 0.1
                let tone = 0.4 * sin(2 * .pi * Double(300 + 200 * c) * Double(f) / Double(rate) + Double(c))
                out[f * channels + c] = Int16(max(-32768, min(32767, ((tone + noise) * 32767).rounded())))
            }
        }
        return out
    }

    static func bytes(_ samples: [Int16]) -> Data {
        samples.withUnsafeBytes { Data($0) }  // little-endian host
    }

    /// The channel mean in Float, summed in channel order (what the sources and librosa do).
    static func mono(_ interleaved: [Float], channels: Int) -> [Float] {
        guard channels > 1 else { return interleaved }
        return (0..<interleaved.count / channels).map { f in
            var sum: Float = 0
            for c in 0..<channels { sum += interleaved[f * channels + c] }
            return sum / Float(channels)
        }
    }

    static func mono(s16: [Int16], channels: Int) -> [Float] {
        mono(s16.map { Float($0) * (1 / 32768) }, channels: channels)
    }

    /// `x` through a fresh `Resampler` from `rate` to `outputRate` in blocks of 960; with `finish`,
    /// the tail too. At equal rates `x` comes back as it is.
    static func resampled(_ x: [Float], rate: Int, to outputRate: Int = 16000, finish: Bool) throws -> [Float] {
        guard rate != outputRate else { return x }
        let r = try Resampler(inputRate: Double(rate), outputRate: Double(outputRate))
        var out: [Float] = []
        var buffer = [Float](repeating: 0, count: 4096)
        var start = 0
        while start < x.count {
            let n = try r.process(Array(x[start..<min(start + 960, x.count)]), into: &buffer)
            out += buffer[0..<n]
            start += 960
        }
        while true {
            let n = try r.process([], into: &buffer)
            if n == 0 { break }
            out += buffer[0..<n]
        }
        while finish {
            let n = try r.finish(into: &buffer)
            if n == 0 { break }
            out += buffer[0..<n]
        }
        return out
    }

    /// Reads `source` (opened here) until it ends or `count` samples came, at most `timeout` s.
    static func read(_ source: any AudioSource, count: Int = .max, timeout: Double = 20) throws -> (samples: [Float], ended: Bool) {
        try source.open()
        defer { source.close() }
        var out: [Float] = []
        var buffer = [Float](repeating: .nan, count: AudioSources.readCapacity(sampleRate: source.sampleRate))
        let deadline = monotonic() + timeout
        while out.count < count, monotonic() < deadline {
            guard let n = try buffer.withUnsafeMutableBufferPointer({ try source.read(into: $0) }) else {
                return (out, true)
            }
            out += buffer[0..<n]
        }
        return (out, false)
    }

    /// Largest |a[i] - b[i]| over the first `count` samples (both must have them).
    static func maxAbsDiff(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}
