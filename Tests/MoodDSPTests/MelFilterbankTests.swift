import MoodCore
@testable import MoodDSP
import MoodTestKit
import Testing

@Suite struct MelFilterbankTests {
    /// Largest |a - b| over two equally long arrays.
    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    // Fixtures from Tests/Fixtures/make_mel_fixtures.py (librosa 0.11.0 filters.mel, float32).
    @Test(arguments: [
        (16000, 512, 96, 0.0, 8000.0, "mel/filterbank_16000_512_96.npy"),
        (8000, 256, 40, 50.0, 3800.0, "mel/filterbank_8000_256_40_50_3800.npy"),
        (22050, 512, 40, 0.0, 11025.0, "mel/filterbank_22050_512_40_0_11025.npy"),
    ])
    func matchesLibrosa(sampleRate: Int, nFFT: Int, nMels: Int, fMin: Double, fMax: Double, fixture: String) throws {
        let reference = try Fixtures.npy(fixture)
        let bank = try MelFilterbank(sampleRate: sampleRate, nFFT: nFFT, nMels: nMels, fMin: fMin, fMax: fMax)
        #expect(reference.shape == [nMels, nFFT / 2 + 1])
        #expect([bank.bandCount, bank.binCount] == reference.shape)
        let dense = bank.dense()
        // Measured: bit-identical for all three (max abs diff 0); the bar leaves room for a libm
        // that rounds exp/log differently in the last place.
        #expect(Self.maxAbsDiff(dense, reference.values) <= 1e-7)
        // The same bins are nonzero, so the sparse ranges lose nothing.
        #expect(dense.map { $0 != 0 } == reference.values.map { $0 != 0 })
    }

    @Test func musicnnBankIsSparse() throws {
        let bank = try MelFilterbank(sampleRate: 16000, nFFT: 512, nMels: 96, fMax: 8000)
        // Overlapping triangles cover each bin about twice: ~2 * 257 taps instead of 96 * 257.
        #expect(bank.weights.count < 600)
        #expect(bank.bandStart.count == 96 && bank.bandOffset.count == 97)
        #expect((0..<96).allSatisfy { bank.bandOffset[$0 + 1] > bank.bandOffset[$0] })  // no empty band
    }

    @Test func sparseProjectionEqualsDenseProduct() throws {
        let bank = try MelFilterbank(sampleRate: 16000, nFFT: 512, nMels: 96)
        var rng = SeededRandom(seed: 7)
        let power = (0..<257).map { _ in Float.random(in: 0..<4, using: &rng) }
        var sparse = [Float](repeating: .nan, count: 96)
        power.withUnsafeBufferPointer { p in
            sparse.withUnsafeMutableBufferPointer { bank.apply(power: p.baseAddress!, into: $0.baseAddress!) }
        }
        let dense = bank.dense()
        let product = (0..<96).map { m in
            (0..<257).reduce(Double(0)) { $0 + Double(dense[m * 257 + $1]) * Double(power[$1]) }
        }
        for m in 0..<96 {
            #expect(abs(Double(sparse[m]) - product[m]) <= 1e-5 * max(1, product[m]))
        }
    }

    @Test(arguments: [
        (0, 512, 96, 0.0, 0.0, DSPParameterError.sampleRate(0)),
        (-16000, 512, 96, 0.0, 100.0, .sampleRate(-16000)),
        (16000, 511, 96, 0.0, 8000.0, .fftSize(511)),
        (16000, 0, 96, 0.0, 8000.0, .fftSize(0)),
        (16000, 1, 96, 0.0, 8000.0, .fftSize(1)),
        (16000, 512, 0, 0.0, 8000.0, .melBandCount(0)),
        (16000, 512, -3, 0.0, 8000.0, .melBandCount(-3)),
        (16000, 512, 96, 0.0, 8000.5, .frequencyRange(fMin: 0, fMax: 8000.5, nyquist: 8000)),
        (16000, 512, 96, 4000.0, 4000.0, .frequencyRange(fMin: 4000, fMax: 4000, nyquist: 8000)),
        (16000, 512, 96, 5000.0, 1000.0, .frequencyRange(fMin: 5000, fMax: 1000, nyquist: 8000)),
        (16000, 512, 96, -1.0, 8000.0, .frequencyRange(fMin: -1, fMax: 8000, nyquist: 8000)),
        (16000, 512, 96, 0.0, Double.infinity, .frequencyRange(fMin: 0, fMax: .infinity, nyquist: 8000)),
    ])
    func rejectsBadParameters(sampleRate: Int, nFFT: Int, nMels: Int, fMin: Double, fMax: Double, error: DSPParameterError) {
        #expect(throws: error) {
            try MelFilterbank(sampleRate: sampleRate, nFFT: nFFT, nMels: nMels, fMin: fMin, fMax: fMax)
        }
    }

    @Test func rejectsNaNRangeWithAReadableMessage() {
        #expect {
            try MelFilterbank(sampleRate: 16000, nFFT: 512, nMels: 96, fMin: .nan, fMax: 8000)
        } throws: { error in
            "\(error)".contains("0 <= fMin < fMax <= sampleRate/2 = 8000.0 Hz")
        }
    }

    @Test func slaneyScaleRoundTripsAndBendsAt1kHz() {
        // 1000 / (200/3) rounds to 15 - 2 ulp in Double, in librosa too; the break is still at 15 mels.
        #expect(abs(MelFilterbank.hzToMel(1000) - 15) < 1e-12)
        #expect(abs(MelFilterbank.hzToMel(200) - 3) < 1e-12)
        #expect(abs(MelFilterbank.hzToMel(6400) - 42) < 1e-12)  // 27 mels per factor 6.4 above 1 kHz
        for hz in [0.0, 31.25, 999.9, 1000, 1000.1, 4321, 8000] {
            #expect(abs(MelFilterbank.melToHz(MelFilterbank.hzToMel(hz)) - hz) <= 1e-9 * max(1, hz))
        }
    }
}
