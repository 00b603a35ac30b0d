import MoodCore
import MoodDSP
import MoodTestKit
import Testing

@Suite struct LogMelFrontEndTests {
    static let signals = ["sine440", "sine3000", "noise", "chirp", "silence", "square", "short"]

    /// All frames of `samples` pushed in one block and finished, row-major `[frames x nMels]`.
    static func frames(_ samples: [Float], centered: Bool = true) throws -> [Float] {
        let frontEnd = try LogMelFrontEnd(spec: .musicnn, centered: centered)
        var out: [Float] = []
        frontEnd.push(samples, into: &out)
        frontEnd.finish(into: &out)
        return out
    }

    /// The same, pushed in consecutive blocks of the given sizes (cycled until the input runs out).
    static func frames(_ samples: [Float], blocks: [Int]) throws -> [Float] {
        let frontEnd = try LogMelFrontEnd(spec: .musicnn)
        var out: [Float] = []
        var at = 0
        var i = 0
        while at < samples.count {
            let end = min(samples.count, at + blocks[i % blocks.count])
            frontEnd.push(Array(samples[at..<end]), into: &out)
            at = end
            i += 1
        }
        frontEnd.finish(into: &out)
        return out
    }

    // librosa 0.11.0: log10(1 + 10000 * melspectrogram(y, sr=16000, n_fft=512, hop_length=256,
    // n_mels=96)).T, center=True; signals and frames from Tests/Fixtures/make_mel_fixtures.py.
    @Test(arguments: signals)
    func matchesLibrosa(signal: String) throws {
        let input = try Fixtures.npy("mel/\(signal).npy")
        let reference = try Fixtures.npy("mel/\(signal)_logmel.npy")
        let n = input.values.count
        #expect(reference.shape == [1 + n / 256, 96])
        let ours = try Self.frames(input.values)
        #expect(ours.count == reference.values.count)
        // Measured max abs diff (log10 units, values up to ~7): square 1.4e-5, chirp 1.2e-5, sine440
        // 6.3e-6, sine3000 3.3e-6, short 1.9e-6, noise 1.4e-6, silence 0 (mean ~2e-7). The worst
        // are quiet bands next to loud ones, where FFTW's float32 rounding shows against numpy's
        // float64 FFT. The bar is about 3x the worst.
        #expect(MelFilterbankTests.maxAbsDiff(ours, reference.values) <= 4e-5, "\(signal)")
        if signal == "silence" { #expect(ours.allSatisfy { $0 == 0 }) }
    }

    @Test(arguments: [[1], [100], [256], [4096], [7, 1, 511, 512, 513, 3]])
    func anyBlockSizeGivesBitIdenticalFrames(blocks: [Int]) throws {
        for signal in ["chirp", "noise", "short"] {
            let input = try Fixtures.npy("mel/\(signal).npy").values
            let whole = try Self.frames(input)
            let pieces = try Self.frames(input, blocks: blocks)
            #expect(pieces == whole, "\(signal) in blocks \(blocks)")
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomBlockSizesGiveBitIdenticalFrames(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let blocks = (0..<200).map { _ in Int.random(in: 0...1500, using: &rng) }  // 0: empty pushes too
        let input = try Fixtures.npy("mel/chirp.npy").values
        let whole = try Self.frames(input)
        let pieces = try Self.frames(input, blocks: blocks)
        #expect(pieces == whole)
    }

    @Test(arguments: [0, 1, 255, 256, 257, 511, 512, 513, 16000, 16128])
    func yieldsLibrosaFrameCountAfterFinish(samples n: Int) throws {
        let frontEnd = try LogMelFrontEnd(spec: .musicnn)
        var count = 0
        [Float](repeating: 0.25, count: n).withUnsafeBufferPointer { frontEnd.push($0) { _ in count += 1 } }
        frontEnd.finish { frame in
            #expect(frame.count == 96)
            count += 1
        }
        #expect(count == 1 + n / 256)
        #expect(frontEnd.framesEmitted == count)
        #expect(LogMelSpec.musicnn.frameCount(samples: n, centered: true) == count)
    }

    @Test func emitsEachFrameAsSoonAsItsLastSampleArrives() throws {
        // Centered frame k covers samples k*256 - 256 ..< k*256 + 256: it completes at sample k*256 + 255.
        let frontEnd = try LogMelFrontEnd(spec: .musicnn)
        var emittedAt: [Int] = []
        var frames: [Float] = []
        for i in 0..<1024 {
            frontEnd.push([Float(i % 7) * 0.1], into: &frames)
            if frontEnd.framesEmitted > emittedAt.count { emittedAt.append(i) }
        }
        #expect(emittedAt == [255, 511, 767, 1023])
    }

    @Test func uncenteredFramesAreCenteredFramesShiftedByOne() throws {
        // center=False frame k covers k*256 ..< k*256 + 512, which is centered frame k + 1 (hop = nFFT/2).
        let input = try Fixtures.npy("mel/noise.npy").values
        let centered = try Self.frames(input)
        let uncentered = try Self.frames(input, centered: false)
        let n = input.count
        #expect(uncentered.count / 96 == 1 + (n - 512) / 256)
        #expect(uncentered.count / 96 == LogMelSpec.musicnn.frameCount(samples: n, centered: false))
        #expect(uncentered == Array(centered[96..<(96 + uncentered.count)]))
    }

    @Test func replacesNonFiniteSamplesByZeroAndCountsThem() throws {
        var input = try Fixtures.npy("mel/sine440.npy").values
        var zeroed = input
        for (i, bad) in [(10, Float.nan), (300, .infinity), (301, -.infinity), (9000, .signalingNaN)] {
            input[i] = bad
            zeroed[i] = 0
        }
        let frontEnd = try LogMelFrontEnd(spec: .musicnn)
        var out: [Float] = []
        frontEnd.push(input, into: &out)
        frontEnd.finish(into: &out)
        #expect(frontEnd.nonFiniteSamples == 4)
        #expect(out.allSatisfy { $0.isFinite })
        let expected = try Self.frames(zeroed)
        #expect(out == expected)
    }

    @Test func allNonFiniteInputGivesSilence() throws {
        let frontEnd = try LogMelFrontEnd(spec: .musicnn)
        var out: [Float] = []
        frontEnd.push([Float](repeating: .nan, count: 1000), into: &out)
        frontEnd.finish(into: &out)
        #expect(out.count == 96 * (1 + 1000 / 256))
        #expect(out.allSatisfy { $0 == 0 })
        #expect(frontEnd.nonFiniteSamples == 1000)
    }

    @Test func finishStartsAFreshStreamAndResetForgetsEverything() throws {
        let a = try Fixtures.npy("mel/sine3000.npy").values
        let b = try Fixtures.npy("mel/chirp.npy").values
        let frontEnd = try LogMelFrontEnd(spec: .musicnn)
        var first: [Float] = []
        frontEnd.push(a, into: &first)
        frontEnd.finish(into: &first)
        var second: [Float] = []
        frontEnd.push(b, into: &second)
        frontEnd.finish(into: &second)
        let (freshA, freshB) = (try Self.frames(a), try Self.frames(b))
        #expect(first == freshA)
        #expect(second == freshB)
        #expect(frontEnd.framesEmitted == (first.count + second.count) / 96)

        var discarded: [Float] = []
        frontEnd.push([Float](repeating: .infinity, count: 777), into: &discarded)
        frontEnd.reset()
        #expect(frontEnd.framesEmitted == 0 && frontEnd.nonFiniteSamples == 0)
        var third: [Float] = []
        frontEnd.push(b, into: &third)
        frontEnd.finish(into: &third)
        #expect(third == second)
    }

    @Test func frontEndsBuiltAndRunInParallelAgree() async throws {
        // Plans are made under FFTW's planner lock; each front end executes on its own buffers.
        let input = try Fixtures.npy("mel/chirp.npy").values
        let reference = try Self.frames(input)
        let results = try await withThrowingTaskGroup(of: [Float].self) { group in
            for _ in 0..<8 { group.addTask { try Self.frames(input) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 8)
        #expect(results.allSatisfy { $0 == reference })
    }

    @Test(arguments: [
        (LogMelSpec(sampleRate: 16000, nFFT: 512, hop: 0, nMels: 96, fMin: 0, fMax: 8000), DSPParameterError.hop(0, nFFT: 512)),
        (LogMelSpec(sampleRate: 16000, nFFT: 512, hop: 513, nMels: 96, fMin: 0, fMax: 8000), .hop(513, nFFT: 512)),
        (LogMelSpec(sampleRate: 16000, nFFT: 500, hop: 250, nMels: 96, fMin: 0, fMax: 9000), .frequencyRange(fMin: 0, fMax: 9000, nyquist: 8000)),
        (LogMelSpec(sampleRate: 16000, nFFT: 513, hop: 256, nMels: 96, fMin: 0, fMax: 8000), .fftSize(513)),
        (LogMelSpec(sampleRate: 0, nFFT: 512, hop: 256, nMels: 96, fMin: 0, fMax: 8000), .sampleRate(0)),
        (LogMelSpec(sampleRate: 16000, nFFT: 512, hop: 256, nMels: 0, fMin: 0, fMax: 8000), .melBandCount(0)),
    ])
    func rejectsBadSpecs(spec: LogMelSpec, error: DSPParameterError) {
        #expect(throws: error) { try LogMelFrontEnd(spec: spec) }
    }

    @Test func runsOtherValidSpecs() throws {
        // Hop == nFFT (no overlap) and an odd hop: frame counts still follow 1 + n / hop.
        for spec in [
            LogMelSpec(sampleRate: 8000, nFFT: 256, hop: 256, nMels: 40, fMin: 50, fMax: 3800),
            LogMelSpec(sampleRate: 22050, nFFT: 1024, hop: 333, nMels: 64, fMin: 0, fMax: 11025),
        ] {
            let frontEnd = try LogMelFrontEnd(spec: spec)
            var out: [Float] = []
            frontEnd.push([Float](repeating: 0.1, count: 5000), into: &out)
            frontEnd.finish(into: &out)
            #expect(out.count == spec.nMels * spec.frameCount(samples: 5000, centered: true))
            #expect(out.allSatisfy { $0.isFinite })
        }
    }
}
