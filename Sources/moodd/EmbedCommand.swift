import ArgumentParser
import MoodDSP
import MoodModel

/// `moodd embed FILE --npy OUT.npy`: musicnn's 200-d 'penultimate' embedding per 3-s patch.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Write the CNN's 200-d embedding of every 3-s patch of a file as a float32 .npy [patches, 200].",
        discussion: """
            Patches are 187 log-mel frames (3 s) taken from the start of the `moodd features` frames, one \
            every --hop-frames frames. A file shorter than one patch gives one patch, padded with silence.
            """
    )

    @Argument(help: "An audio file (WAV, FLAC, OGG/Vorbis, Opus, MP3).")
    var file: String

    @Option(name: .customLong("npy"), help: "Where to write the embeddings.")
    var output: String

    @Option(help: "Frames between patch starts (93 = 1.5 s).")
    var hopFrames: Int = 93

    @Option(help: "Model file (default: the shipped MSD_musicnn backbone).")
    var model: String?

    func validate() throws {
        guard hopFrames >= 1 else { throw ValidationError("--hop-frames must be at least 1, got \(hopFrames)") }
    }

    func run() throws {
        do {
            let network = try Musicnn(contentsOfFile: try model ?? ModelLocator.path(ModelLocator.backbone))
            let writer = try NPYFileWriter(path: output, columns: network.config.denseUnits)
            try Diagnostics.silencingLibraries {
                try PatchRunner.forEachEmbedding(of: file, network: network, hopFrames: hopFrames) { penultimate, _ in
                    try writer.append(penultimate)
                }
            }
            try writer.commit()
        } catch {
            throw Diagnostics.fail(error)
        }
    }
}
