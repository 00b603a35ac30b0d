import ArgumentParser

@main
struct Moodd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moodd",
        abstract: "Real-time music mood recognition.",
        version: "0.1.0"
    )
}
