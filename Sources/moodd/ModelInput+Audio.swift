import MoodAudio
import MoodModel

/// Loading a model for the audio moodd decodes and captures, which comes at the model's rate if it is
/// one of `AudioFileDecoder.outputSampleRates`: a file whose `input` asks for another is refused with
/// one line naming it, before any audio is touched. Everything else about the front end and the patch
/// comes from the file.
extension ModelInput {
    /// The `input` of the model file at `path` (its metadata checked, its weights not loaded).
    static func forAudio(contentsOfFile path: String) throws(ModelFileError) -> ModelInput {
        let input = try ModelMetadata(SafeTensors(contentsOfFile: path).metadata, path: path).input
        try input.requireSampleRate(in: AudioFileDecoder.outputSampleRates, path: path)
        return input
    }
}

extension MoodClassifier {
    static func forAudio(contentsOfFile path: String, headName: String? = nil) throws(ModelFileError) -> MoodClassifier {
        let classifier = try MoodClassifier(contentsOfFile: path, headName: headName)
        try classifier.input.requireSampleRate(in: AudioFileDecoder.outputSampleRates, path: path)
        return classifier
    }
}

extension Musicnn {
    static func forAudio(contentsOfFile path: String) throws(ModelFileError) -> Musicnn {
        let network = try Musicnn(contentsOfFile: path)
        try network.input.requireSampleRate(in: AudioFileDecoder.outputSampleRates, path: path)
        return network
    }
}
