import MoodDSP

extension ModelInput {
    /// The front end this input asks for: the one place a `LogMelSpec` for a model is made.
    public var logMelSpec: LogMelSpec {
        LogMelSpec(sampleRate: sampleRate, nFFT: nFFT, hop: hopLength, nMels: nMels, fMin: fmin, fMax: fmax)
    }

    /// Why `LogMelFrontEnd` and `PatchWindow` cannot make this input, one phrase each; empty when they
    /// can. Beyond the numbers of a `LogMelSpec` the front end computes one thing only (Slaney mel scale
    /// and norm, periodic Hann, power 2, `log10(1 + 10000 x)`), so those fields must be exactly its.
    var frontEndProblems: [String] {
        var computed = ModelInput.musicnn()
        (computed.sampleRate, computed.nFFT, computed.hopLength, computed.nMels) = (sampleRate, nFFT, hopLength, nMels)
        (computed.fmin, computed.fmax, computed.patchFrames) = (fmin, fmax, patchFrames)
        var problems = differences(from: computed)
        do {
            try logMelSpec.validate()
        } catch {
            problems.append("\(error)")
        }
        if patchFrames < 1 { problems.append("patch_frames must be >= 1, got \(patchFrames)") }
        return problems
    }

    /// Throws unless the input's rate is in `rates` (Hz), the rates the caller's audio can come at (moodd
    /// decodes and captures at any of `AudioFileDecoder.outputSampleRates`); `path` names the file in
    /// the one-line error.
    public func requireSampleRate(in rates: ClosedRange<Int>, path: String) throws(ModelFileError) {
        guard !rates.contains(sampleRate) else { return }
        throw ModelFileError(path: path, kind: .badMetadata,
                             reason: "input sample_rate is \(sampleRate) Hz; moodd decodes and captures audio at "
                                 + "\(rates.lowerBound)...\(rates.upperBound) Hz")
    }
}
