import MoodDSP

extension LogMelSpec {
    /// The reference fixtures' settings, written out here on purpose (librosa's melspectrogram with
    /// sr=16000, n_fft=512, hop_length=256, n_mels=96, fmin=0, fmax=8000), not taken from production code.
    static let musicnn = LogMelSpec(sampleRate: 16000, nFFT: 512, hop: 256, nMels: 96, fMin: 0, fMax: 8000)
}
