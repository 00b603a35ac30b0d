import ArgumentParser
import MoodCore
import MoodService

@main
struct Moodd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moodd",
        abstract: "Listens to music and tells its mood.",
        discussion: "Documentation: docs/ in the source tree.",
        version: MooddVersion.string,
        subcommands: [FeaturesCommand.self, EmbedCommand.self, TagsCommand.self, ClassifyCommand.self, ScanCommand.self, PlaylistCommand.self, RunCommand.self, CheckConfigCommand.self]
    )

    /// The daemon's signals are caught before anything else happens (`EarlySignals`), so that a
    /// SIGHUP, SIGTERM or SIGINT in the first milliseconds of `moodd run` is consumed like a later one.
    static func main() async {
        if CommandLine.arguments.dropFirst().first == RunCommand.configuration.commandName {
            EarlySignals.install()
        }
        await main(nil)
    }
}
