import ArgumentParser
import MoodCore
import MoodDSP
import MoodModel

/// `moodd features FILE --npy OUT.npy [--model M]`: the log-mel frames the CNN sees, as float32
/// `[frames, n_mels]`, with the front end the model file's `input` describes.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Write an audio file's log-mel frames (the CNN's input) as a float32 .npy [frames, n_mels].",
        discussion: """
            The file is decoded, mixed to mono, resampled to the model's rate and cut into frames as the \
            model's `input` says (musicnn: 16 kHz, 512 samples every 256, 96 mel bands), centred like \
            librosa's center=True. See docs/frontend.md.
            """
    )

    @Argument(help: "An audio file (WAV, FLAC, OGG/Vorbis, Opus, MP3).")
    var file: String

    @Option(name: .customLong("npy"), help: "Where to write the frames.")
    var output: String

    @Option(help: "Model file whose input settings to use (default: the shipped MSD_musicnn backbone).")
    var model: String?

    func run() throws {
        do {
            let input = try ModelInput.forAudio(contentsOfFile: try model ?? ModelLocator.path(ModelLocator.backbone))
            _ = try Diagnostics.silencingLibraries { try Self.extract(file: file, spec: input.logMelSpec, to: output) }
        } catch {
            throw Diagnostics.fail(error)
        }
    }

    /// Streams `file` through the decoder and the front end into `output`; returns the frame count.
    static func extract(file: String, spec: LogMelSpec, to output: String) throws -> Int {
        let writer = try NPYFileWriter(path: output, columns: spec.nMels)
        try FileFrames.forEachBlock(of: file, spec: spec) { try writer.append($0) }
        try writer.commit()
        return writer.rows
    }
}
