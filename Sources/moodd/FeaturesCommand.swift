import ArgumentParser
import MoodCore
import MoodDSP
import MoodModel

/// `moodd features FILE --npy OUT.npy`: the log-mel frames the CNN sees, as float32 `[frames, 96]`.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Write an audio file's log-mel frames (the CNN's input) as a float32 .npy [frames, 96].",
        discussion: """
            The file is decoded, mixed to mono, resampled to 16 kHz and cut into frames of 512 samples \
            every 256 (centred like librosa's center=True). See docs/frontend.md.
            """
    )

    @Argument(help: "An audio file (WAV, FLAC, OGG/Vorbis, Opus, MP3).")
    var file: String

    @Option(name: .customLong("npy"), help: "Where to write the frames.")
    var output: String

    func run() throws {
        do {
            _ = try Diagnostics.silencingLibraries { try Self.extract(file: file, to: output) }
        } catch {
            throw Diagnostics.fail(error)
        }
    }

    /// Streams `file` through the decoder and the front end into `output`; returns the frame count.
    static func extract(file: String, to output: String) throws -> Int {
        let writer = try NPYFileWriter(path: output, columns: ModelInput.musicnn().logMelSpec.nMels)
        try FileFrames.forEachBlock(of: file) { try writer.append($0) }
        try writer.commit()
        return writer.rows
    }
}
