/// A DSP object was asked for parameters it cannot honour; thrown by the initialisers of
/// ``MelFilterbank``, ``LogMelFrontEnd`` and ``PatchWindow``, never later.
public enum DSPParameterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The sample rate (Hz) must be positive.
    case sampleRate(Int)
    /// The FFT size (samples) must be even and at least 2.
    case fftSize(Int)
    /// The hop (samples) must be in `1...nFFT`, so that every sample lands in some frame.
    case hop(Int, nFFT: Int)
    /// There must be at least one mel band.
    case melBandCount(Int)
    /// Need `0 <= fMin < fMax <= sampleRate / 2` (Hz), all finite.
    case frequencyRange(fMin: Double, fMax: Double, nyquist: Double)
    /// Patches need at least 1 frame and a hop of at least 1 frame.
    case patch(frames: Int, hop: Int)

    public var description: String {
        switch self {
        case .sampleRate(let sr):
            "sample rate must be > 0 Hz, got \(sr)"
        case .fftSize(let n):
            "FFT size must be even and >= 2 samples, got \(n)"
        case .hop(let hop, let nFFT):
            "hop must be between 1 and the FFT size \(nFFT) samples, got \(hop)"
        case .melBandCount(let n):
            "need at least 1 mel band, got \(n)"
        case .frequencyRange(let fMin, let fMax, let nyquist):
            "mel range must satisfy 0 <= fMin < fMax <= sampleRate/2 = \(nyquist) Hz, got fMin \(fMin) Hz, fMax \(fMax) Hz"
        case .patch(let frames, let hop):
            "patches need >= 1 frame and a hop of >= 1 frame, got \(frames) frames every \(hop)"
        }
    }
}
