#if canImport(Glibc)
import Glibc
#endif

/// A Slaney-style mel filterbank, built exactly as `librosa.filters.mel(sr:, n_fft:, n_mels:,
/// fmin:, fmax:, htk=False, norm="slaney")` builds it, stored sparsely.
///
/// Band `m` is a triangle over the FFT bin frequencies `k * sr / nFFT` (Hz) rising from mel point
/// `m` to `m+1` and falling to `m+2`, where the `nMels + 2` points are spaced evenly on the Slaney
/// mel scale (linear, 200/3 Hz per mel, below 1 kHz; logarithmic, ln(6.4)/27 per mel, above) from
/// `fMin` to `fMax`. Each triangle is scaled by `2 / (hz[m+2] - hz[m])` so every band has about the
/// same area ("slaney" norm). Weights are computed in Double and rounded to Float in the same two
/// steps librosa takes (triangle rounded to float32 first, then multiplied by the norm in float64
/// and rounded again), so the dense matrix equals librosa's float32 result to the last bit or so.
///
/// Immutable and `Sendable`: one filterbank can be shared by any number of streams.
public struct MelFilterbank: Sendable, Equatable {
    /// Number of mel bands (rows).
    public let bandCount: Int
    /// Number of FFT bins, `nFFT / 2 + 1` (columns).
    public let binCount: Int
    /// First nonzero bin of each band; `[bandCount]`. A band with no nonzero weight has an empty range.
    public let bandStart: [Int]
    /// Offsets of each band's weights in ``weights``; `[bandCount + 1]`, band `m` is
    /// `weights[bandOffset[m] ..< bandOffset[m + 1]]`, applied to bins `bandStart[m]...`.
    public let bandOffset: [Int]
    /// The nonzero weights of all bands, concatenated; 1/Hz (area-normalised).
    public let weights: [Float]

    /// Builds the filterbank.
    /// - Parameters:
    ///   - sampleRate: Hz, > 0.
    ///   - nFFT: FFT size in samples, even, >= 2.
    ///   - nMels: number of bands, >= 1.
    ///   - fMin: lowest edge in Hz, `0 <= fMin < fMax`.
    ///   - fMax: highest edge in Hz, `<= sampleRate / 2`.
    /// - Throws: ``DSPParameterError`` naming the first parameter that is out of range.
    public init(sampleRate: Int, nFFT: Int, nMels: Int, fMin: Double = 0, fMax: Double? = nil) throws(DSPParameterError) {
        let fMax = fMax ?? Double(max(sampleRate, 0)) / 2
        try Self.validate(sampleRate: sampleRate, nFFT: nFFT, nMels: nMels, fMin: fMin, fMax: fMax)
        bandCount = nMels
        binCount = nFFT / 2 + 1

        // np.fft.rfftfreq(n_fft, d=1/sr): k * (1 / (n_fft * (1/sr))), Hz.
        let binSpacing = 1.0 / (Double(nFFT) * (1.0 / Double(sampleRate)))
        let fftFreqs = (0..<binCount).map { Double($0) * binSpacing }
        // librosa.mel_frequencies(n_mels + 2, fmin, fmax): Hz.
        let melF = Self.linspace(Self.hzToMel(fMin), Self.hzToMel(fMax), count: nMels + 2).map(Self.melToHz)

        var starts: [Int] = []
        var offsets: [Int] = [0]
        var packed: [Float] = []
        for m in 0..<nMels {
            let lowerWidth = melF[m + 1] - melF[m]
            let upperWidth = melF[m + 2] - melF[m + 1]
            let enorm = 2.0 / (melF[m + 2] - melF[m])
            var first = -1
            var band: [Float] = []
            for k in 0..<binCount {
                // ramps[i][k] = mel_f[i] - fftfreqs[k]
                let lower = -(melF[m] - fftFreqs[k]) / lowerWidth
                let upper = (melF[m + 2] - fftFreqs[k]) / upperWidth
                let triangle = Float(max(0, min(lower, upper)))  // stored into librosa's float32 array
                let w = Float(Double(triangle) * enorm)           // weights *= enorm, in float64
                if w != 0 {
                    if first < 0 { first = k }
                    // Triangles are convex, so zeros can only sit at the ends; keep any inner ones.
                    band.append(contentsOf: repeatElement(0, count: k - first - band.count))
                    band.append(w)
                }
            }
            starts.append(max(first, 0))
            packed += band
            offsets.append(packed.count)
        }
        bandStart = starts
        bandOffset = offsets
        weights = packed
    }

    /// Checks the parameters ``init(sampleRate:nFFT:nMels:fMin:fMax:)`` needs, in that order.
    static func validate(sampleRate: Int, nFFT: Int, nMels: Int, fMin: Double, fMax: Double) throws(DSPParameterError) {
        guard sampleRate > 0 else { throw .sampleRate(sampleRate) }
        guard nFFT >= 2, nFFT % 2 == 0 else { throw .fftSize(nFFT) }
        guard nMels >= 1 else { throw .melBandCount(nMels) }
        let nyquist = Double(sampleRate) / 2
        guard fMin.isFinite, fMax.isFinite, fMin >= 0, fMin < fMax, fMax <= nyquist else {
            throw .frequencyRange(fMin: fMin, fMax: fMax, nyquist: nyquist)
        }
    }

    /// The filterbank as a dense row-major matrix, `[bandCount x binCount]`, like librosa returns it.
    public func dense() -> [Float] {
        var out = [Float](repeating: 0, count: bandCount * binCount)
        for m in 0..<bandCount {
            for (j, w) in weights[bandOffset[m]..<bandOffset[m + 1]].enumerated() {
                out[m * binCount + bandStart[m] + j] = w
            }
        }
        return out
    }

    /// Mel energies `mel[m] = sum_k W[m, k] * power[k]`, touching only the nonzero taps.
    /// - Parameters:
    ///   - power: `[binCount]` power spectrum.
    ///   - mel: `[bandCount]` output.
    /// Accumulates in Float, in bin order. No allocation.
    @inline(__always)
    func apply(power: UnsafePointer<Float>, into mel: UnsafeMutablePointer<Float>) {
        weights.withUnsafeBufferPointer { w in
            bandStart.withUnsafeBufferPointer { start in
                bandOffset.withUnsafeBufferPointer { offset in
                    for m in 0..<bandCount {
                        let taps = w.baseAddress! + offset[m]
                        let bins = power + start[m]
                        var sum: Float = 0
                        for j in 0..<(offset[m + 1] - offset[m]) {
                            sum += taps[j] * bins[j]
                        }
                        mel[m] = sum
                    }
                }
            }
        }
    }

    // MARK: Slaney mel scale, as librosa.hz_to_mel / mel_to_hz with htk=False

    private static let fSp = 200.0 / 3         // Hz per mel in the linear region
    private static let minLogHz = 1000.0        // start of the log region, Hz
    private static let minLogMel = minLogHz / fSp
    private static let logStep = log(6.4) / 27.0  // ln(Hz ratio) per mel in the log region

    static func hzToMel(_ hz: Double) -> Double {
        hz >= minLogHz ? minLogMel + log(hz / minLogHz) / logStep : hz / fSp
    }

    static func melToHz(_ mel: Double) -> Double {
        mel >= minLogMel ? minLogHz * exp(logStep * (mel - minLogMel)) : fSp * mel
    }

    /// `np.linspace(start, stop, count)`: `start + i * step`, last point exactly `stop`.
    static func linspace(_ start: Double, _ stop: Double, count: Int) -> [Double] {
        guard count > 1 else { return [start] }
        let step = (stop - start) / Double(count - 1)
        var out = (0..<count).map { Double($0) * step + start }
        out[count - 1] = stop
        return out
    }
}
