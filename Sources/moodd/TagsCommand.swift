#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import MoodCore
import MoodModel

/// `moodd tags FILE... [--json]`: each file's most likely Million Song Dataset tags, mean over its windows.
struct TagsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tags",
        abstract: "Print the top musicnn tags (Last.fm tags of the Million Song Dataset) of audio files, averaged over their 3-s windows.",
        discussion: """
            Each file is cut into 3-s windows every 1.5 s, as for `classify`. A directory tags every audio \
            file in it and in its subdirectories, recursively, sorted by path. A file that cannot be read \
            gets one line on stderr; the others are still tagged, and the exit status is 1.
            """
    )

    @Argument(help: "Audio files (WAV, FLAC, OGG/Vorbis, Opus, MP3) or directories of them.")
    var files: [String]

    @Flag(help: "One JSON object per line per file: {\"file\", \"windows\", \"tags\": {tag: probability, ...}} in descending order.")
    var json = false

    @Option(help: "How many tags to print.")
    var top: Int = 10

    @Option(help: "Frames between window starts (default: half the model's patch; 93 = 1.5 s for musicnn).")
    var hopFrames: Int?

    @Option(help: "Model file (default: the shipped MSD_musicnn backbone).")
    var model: String?

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1, got \(top)") }
        if let hopFrames, hopFrames < 1 { throw ValidationError("--hop-frames must be at least 1, got \(hopFrames)") }
    }

    func run() throws {
        let network: Musicnn
        do {
            network = try Musicnn.forAudio(contentsOfFile: try model ?? ModelLocator.path(ModelLocator.backbone))
        } catch {
            throw Diagnostics.fail(error)
        }
        try AudioFileList.report(files) { try tag($0, network) }
    }

    /// The file's report: one JSON line, or a header line and a line per tag.
    private func tag(_ file: String, _ network: Musicnn) throws -> String {
        var sum = [Double](repeating: 0, count: network.config.tagCount)
        let hop = hopFrames ?? PatchRunner.defaultHopFrames(network.config.frames)
        let windows = try PatchRunner.forEachEmbedding(of: file, network: network, hopFrames: hop) { _, tags, _ in
            for i in sum.indices { sum[i] += Double(tags[i]) }
        }
        let names = network.weights.metadata.tags
        let ranked = sum.indices.map { (names[$0], sum[$0] / Double(windows)) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            .prefix(top)
        if json {
            return JSONValue.object([
                .init("file", .string(file)),
                .init("windows", .number(Double(windows))),
                .init("tags", .object(ranked.map { .init($0.0, .number($0.1)) })),
            ]).encoded()
        }
        return (["\(file): \(windows) windows"] + ranked.map { "  " + padded($0.0, 20) + DecimalFormat.printf(decimals: 3).string($0.1) })
            .joined(separator: "\n")
    }
}
