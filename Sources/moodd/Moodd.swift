import ArgumentParser
import MoodCore

@main
struct Moodd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moodd",
        abstract: "Listens to music and tells its mood.",
        discussion: "Documentation: docs/ in the source tree.",
        version: MooddVersion.string,
        subcommands: [FeaturesCommand.self, EmbedCommand.self, TagsCommand.self, ClassifyCommand.self, RunCommand.self, CheckConfigCommand.self]
    )
}
