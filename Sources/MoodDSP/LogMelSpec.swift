/// The parameters of a log-mel front end: what a model was trained on, as a value.
///
/// Frames are `nFFT` samples long, every `hop` samples; each is Hann-windowed (periodic), turned
/// into a power spectrum `|X[k]|^2`, projected onto `nMels` Slaney mel bands spanning `fMin...fMax`
/// with Slaney area norm, and compressed as `log10(1 + 10000 * mel)`. See docs/frontend.md.
/// A model's spec comes from its file (`ModelInput.logMelSpec`); there is no built-in one.
public struct LogMelSpec: Sendable, Equatable {
    /// Input sample rate, Hz (mono).
    public var sampleRate: Int
    /// FFT and frame length, samples.
    public var nFFT: Int
    /// Frame advance, samples.
    public var hop: Int
    /// Number of mel bands per frame.
    public var nMels: Int
    /// Lowest mel-band edge, Hz.
    public var fMin: Double
    /// Highest mel-band edge, Hz.
    public var fMax: Double

    public init(sampleRate: Int, nFFT: Int, hop: Int, nMels: Int, fMin: Double, fMax: Double) {
        self.sampleRate = sampleRate
        self.nFFT = nFFT
        self.hop = hop
        self.nMels = nMels
        self.fMin = fMin
        self.fMax = fMax
    }

    /// The number of FFT bins per frame, `nFFT / 2 + 1`.
    public var binCount: Int { nFFT / 2 + 1 }

    /// How many frames a whole stream of `sampleCount` samples yields once finished: librosa's
    /// `1 + n // hop` with `centered`, `1 + (n - nFFT) // hop` (none if `n < nFFT`) without.
    public func frameCount(samples sampleCount: Int, centered: Bool) -> Int {
        precondition(sampleCount >= 0 && hop >= 1, "frameCount(samples: \(sampleCount)) with hop \(hop)")
        if centered { return 1 + sampleCount / hop }
        return sampleCount < nFFT ? 0 : 1 + (sampleCount - nFFT) / hop
    }

    /// Throws the first parameter problem, if any; a valid spec builds a front end.
    public func validate() throws(DSPParameterError) {
        try MelFilterbank.validate(sampleRate: sampleRate, nFFT: nFFT, nMels: nMels, fMin: fMin, fMax: fMax)
        guard hop >= 1, hop <= nFFT else { throw .hop(hop, nFFT: nFFT) }
    }
}
