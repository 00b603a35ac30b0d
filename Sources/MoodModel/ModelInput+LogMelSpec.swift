import MoodDSP

extension ModelInput {
    /// The front end this input asks for: the one place a `LogMelSpec` for a model is made.
    public var logMelSpec: LogMelSpec {
        LogMelSpec(sampleRate: sampleRate, nFFT: nFFT, hop: hopLength, nMels: nMels, fMin: fmin, fMax: fmax)
    }
}
