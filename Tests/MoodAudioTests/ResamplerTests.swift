import Foundation
import MoodAudio
import Testing

@Suite struct ResamplerTests {
    /// `amplitude * sin(2 pi f t + phase)` sampled at `rate` Hz, `count` samples, computed in Double.
    static func sine(_ f: Double, rate: Double, count: Int, amplitude: Double = 0.5, phase: Double = 0.3) -> [Float] {
        (0..<count).map { Float(amplitude * sin(2 * .pi * f * Double($0) / rate + phase)) }
    }

    /// Pushes `input` in pieces of `piece` samples into buffers of `capacity`, then finishes.
    static func run(_ r: Resampler, _ input: [Float], piece: Int, capacity: Int) throws -> [Float] {
        var out: [Float] = []
        var buffer = [Float](repeating: .nan, count: capacity)
        var start = 0
        while start < input.count {
            let chunk = Array(input[start..<min(start + piece, input.count)])
            var n = try r.process(chunk, into: &buffer)
            out += buffer[0..<n]
            while n == capacity {  // drain what stayed queued
                n = try r.process([], into: &buffer)
                out += buffer[0..<n]
            }
            start += piece
        }
        while true {
            let n = try r.finish(into: &buffer)
            if n == 0 { break }
            out += buffer[0..<n]
        }
        return out
    }

    /// A sine through 44.1 -> 16 kHz equals the same sine sampled at 16 kHz (linear phase, delay
    /// removed by libsoxr), away from the edges where the filter sees the start and end of input.
    @Test(arguments: [(44100.0, 1000.0), (48000.0, 440.0), (8000.0, 440.0), (22050.0, 3000.0), (96000.0, 7000.0)])
    func keepsFrequencyAmplitudeAndPhase(inputRate: Double, frequency: Double) throws {
        let r = try Resampler(inputRate: inputRate, outputRate: 16000)
        let input = Self.sine(frequency, rate: inputRate, count: Int(inputRate))  // 1 s
        let out = try Self.run(r, input, piece: 4096, capacity: 8192)
        let expected = Self.sine(frequency, rate: 16000, count: 16000)
        #expect(abs(out.count - 16000) <= 1)
        let middle = 1000..<15000
        let err = middle.map { abs(out[$0] - expected[$0]) }.max()!
        #expect(err < 1e-6)  // measured at most 3.2e-7 over these five cases
    }

    @Test func removesContentAboveTheNewNyquist() throws {
        let r = try Resampler(inputRate: 44100, outputRate: 16000)
        let out = try Self.run(r, Self.sine(10000, rate: 44100, count: 44100), piece: 4096, capacity: 8192)
        let peak = out[1000..<15000].map(abs).max()!
        #expect(peak < 1e-6)  // measured 1.1e-7: 10 kHz is far into the stop band
    }

    /// Splitting the input or using small output buffers changes no sample.
    @Test func outputDoesNotDependOnHowTheStreamIsCut() throws {
        let input = Self.sine(1234, rate: 44100, count: 30000)
        let whole = try Self.run(try Resampler(inputRate: 44100, outputRate: 16000), input, piece: 30000, capacity: 20000)
        for (piece, capacity) in [(1, 1), (17, 5), (441, 160), (4096, 100)] {
            let r = try Resampler(inputRate: 44100, outputRate: 16000)
            #expect(try Self.run(r, input, piece: piece, capacity: capacity) == whole, "piece \(piece), capacity \(capacity)")
        }
    }

    @Test func resetStartsAFreshStream() throws {
        let input = Self.sine(440, rate: 22050, count: 5000)
        let r = try Resampler(inputRate: 22050, outputRate: 16000)
        let first = try Self.run(r, input, piece: 1000, capacity: 4000)
        try r.reset()
        #expect(try Self.run(r, input, piece: 1000, capacity: 4000) == first)
    }

    @Test func inputAfterFinishIsRefusedUntilReset() throws {
        let r = try Resampler(inputRate: 48000, outputRate: 16000)
        var out = [Float](repeating: 0, count: 100)
        _ = try r.finish(into: &out)
        #expect(throws: AudioError(source: "resampler", reason: .invalidParameter, detail: "input after finish; call reset()")) {
            try r.process([1, 2, 3], into: &out)
        }
        try r.reset()
        #expect(try r.process([1, 2, 3], into: &out) >= 0)
    }

    @Test(arguments: [(0.0, 16000.0, "input rate 0.0 Hz"), (-44100, 16000, "input rate -44100.0 Hz"),
                      (44100, .nan, "output rate nan Hz"), (.infinity, 16000, "input rate inf Hz")])
    func refusesBadRates(input: Double, output: Double, detail: String) {
        #expect(throws: AudioError(source: "resampler", reason: .invalidParameter, detail: detail)) {
            try Resampler(inputRate: input, outputRate: output)
        }
    }

    /// The delay is the input taken but not yet given out, in output samples.
    @Test func reportsCapacityAndDelay() throws {
        let r = try Resampler(inputRate: 44100, outputRate: 16000)
        #expect(r.outputCapacity(forInputCount: 4096) == 1488)  // ceil(4096 * 16000 / 44100) + 1
        #expect(r.delay == 0)
        var out = [Float](repeating: 0, count: 4000)
        let produced = try r.process(Self.sine(440, rate: 44100, count: 4410), into: &out)
        #expect(produced < 1600)
        #expect(abs(r.delay - Double(1600 - produced)) < 1)
    }
}
