import MoodDSP
import MoodModel
import Testing

@Suite struct ModelInputLogMelSpecTests {
    @Test func musicnnInputGivesLibrosaSettings() {
        let expected = LogMelSpec(sampleRate: 16000, nFFT: 512, hop: 256, nMels: 96, fMin: 0, fMax: 8000)
        #expect(ModelInput.musicnn().logMelSpec == expected)
    }

    @Test func everyFieldComesFromTheInput() {
        var input = ModelInput.musicnn(nMels: 64, patchFrames: 120)
        input.sampleRate = 22050
        input.nFFT = 1024
        input.hopLength = 441
        input.fmin = 30
        input.fmax = 11025
        let spec = input.logMelSpec
        #expect(spec == LogMelSpec(sampleRate: 22050, nFFT: 1024, hop: 441, nMels: 64, fMin: 30, fMax: 11025))
        #expect(throws: Never.self) { try spec.validate() }
    }
}
