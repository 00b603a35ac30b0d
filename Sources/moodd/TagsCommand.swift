#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import MoodCore
import MoodModel

/// `moodd tags FILE [--json]`: the file's most likely Million Song Dataset tags, mean over its patches.
struct TagsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tags",
        abstract: "Print a file's top musicnn tags (Last.fm tags of the Million Song Dataset), averaged over its 3-s patches."
    )

    @Argument(help: "An audio file (WAV, FLAC, OGG/Vorbis, Opus, MP3).")
    var file: String

    @Flag(help: "One JSON object: {\"file\", \"patches\", \"tags\": {tag: probability, ...}} in descending order.")
    var json = false

    @Option(help: "How many tags to print.")
    var top: Int = 10

    @Option(help: "Frames between patch starts (93 = 1.5 s).")
    var hopFrames: Int = 93

    @Option(help: "Model file (default: the shipped MSD_musicnn backbone).")
    var model: String?

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1, got \(top)") }
        guard hopFrames >= 1 else { throw ValidationError("--hop-frames must be at least 1, got \(hopFrames)") }
    }

    func run() throws {
        do {
            let network = try Musicnn(contentsOfFile: try model ?? ModelLocator.path(ModelLocator.backbone))
            var sum = [Double](repeating: 0, count: network.config.tagCount)
            let patches = try Diagnostics.silencingLibraries {
                try PatchRunner.forEachEmbedding(of: file, network: network, hopFrames: hopFrames) { _, tags, _ in
                    for i in sum.indices { sum[i] += Double(tags[i]) }
                }
            }
            let names = network.weights.metadata.tags
            let ranked = sum.indices.map { (names[$0], sum[$0] / Double(patches)) }
                .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
                .prefix(top)
            if json {
                let object = JSONValue.object([
                    .init("file", .string(file)),
                    .init("patches", .number(Double(patches))),
                    .init("tags", .object(ranked.map { .init($0.0, .number($0.1)) })),
                ])
                print(object.encoded())
            } else {
                print("\(file): \(patches) patches")
                for (name, p) in ranked { print("  " + padded(name, 20) + DecimalFormat.printf(decimals: 3).string(p)) }
            }
        } catch {
            throw Diagnostics.fail(error)
        }
    }
}
