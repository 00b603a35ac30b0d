import ArgumentParser
import MoodDSP
import MoodModel

extension MusicnnLayer: ExpressibleByArgument {}

/// `moodd embed FILE --npy OUT.npy [--layer L]`: one of musicnn's activations per 3-s patch (by
/// default the 200-d 'penultimate' embedding).
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Write the CNN's 200-d embedding (or --layer pooled / tags / front) of every 3-s patch of a file as a float32 .npy [patches, width].",
        discussion: """
            Patches are the model's `patch_frames` log-mel frames (187, 3 s, for musicnn) taken from the \
            start of the `moodd features` frames, one every --hop-frames frames. A file shorter than one patch gives one patch, padded with silence. \
            --layer pooled writes the back end's input instead, [patches, 1506]: the max over time of each \
            of the 753 mid-end channels, then their means; --layer tags the 50 tag probabilities; --layer \
            front the front end's output, [patches, 187 x 561]: each frame's 561 filter maxima over the bands, \
            frame by frame (for fine-tuning the later layers: training/front_cache.py).
            """
    )

    @Argument(help: "An audio file (WAV, FLAC, OGG/Vorbis, Opus, MP3).")
    var file: String

    @Option(name: .customLong("npy"), help: "Where to write the embeddings.")
    var output: String

    @Option(help: "Frames between patch starts (default: half the model's patch; 93 = 1.5 s for musicnn).")
    var hopFrames: Int?

    @Option(help: "Model file (default: the shipped MSD_musicnn backbone).")
    var model: String?

    @Option(help: "Which activation: \(MusicnnLayer.allCases.map(\.rawValue).joined(separator: ", ")).")
    var layer: MusicnnLayer = .penultimate

    func validate() throws {
        if let hopFrames, hopFrames < 1 { throw ValidationError("--hop-frames must be at least 1, got \(hopFrames)") }
    }

    func run() throws {
        do {
            let network = try Musicnn.forAudio(contentsOfFile: try model ?? ModelLocator.path(ModelLocator.backbone))
            let writer = try NPYFileWriter(path: output, columns: layer.size(network.config))
            let hop = hopFrames ?? PatchRunner.defaultHopFrames(network.config.frames)
            try Diagnostics.silencingLibraries {
                try PatchRunner.forEachEmbedding(of: file, network: network, hopFrames: hop) { penultimate, tags, state in
                    switch layer {
                    case .penultimate: try writer.append(penultimate)
                    case .tags: try writer.append(tags)
                    case .pooled: try state.pooledFeatures.withUnsafeBufferPointer { try writer.append($0) }
                    case .front: try state.front.withUnsafeBufferPointer { try writer.append($0) }
                    }
                }
            }
            try writer.commit()
        } catch {
            throw Diagnostics.fail(error)
        }
    }
}
