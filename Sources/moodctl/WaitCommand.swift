import ArgumentParser
import MoodCore

/// `moodctl wait LABEL`: blocks until moodd announces LABEL, for scripts
/// (`moodctl wait relaxed --timeout 600 && dim-the-lights`). `--for LABEL` is the same (moodctl 0.1's form).
struct WaitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait until the announced mood is LABEL; exit 0 then.",
        usage: "moodctl wait <label> [--timeout <seconds>] [--socket <path>]",
        discussion: """
            LABEL is one of the model's labels (from moodd's hello) or listening or silence, or, when \
            the model has a content head, speech or noise. \
            Returns at once if the mood already is LABEL. --for LABEL works too. --timeout counts from the start, \
            connecting included. Exit status: 0 reached, 1 moodd gone or error, 64 unknown label, 124 timed out.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: ArgumentHelp("The label to wait for.", valueName: "label"))
    var positional: String?

    @Option(name: .customLong("for"), help: ArgumentHelp("The same as LABEL.", valueName: "label", visibility: .hidden))
    var forLabel: String?

    /// LABEL, or `--for`'s (`validate` ensures exactly one).
    var label: String { positional ?? forLabel ?? "" }

    @Option(name: .long, help: ArgumentHelp("Give up after this many seconds (default: wait forever).", valueName: "seconds"))
    var timeout: Double?

    func validate() throws {
        switch (positional, forLabel) {
        case (nil, nil): throw ValidationError("Missing expected argument '<label>' (or --for <label>)")
        case (let a?, let b?) where a != b: throw ValidationError("two labels given: '\(a)' and --for '\(b)'")
        default: break
        }
        if let timeout, !(timeout > 0 && timeout.isFinite) {
            throw ValidationError("--timeout must be a positive number of seconds")
        }
    }

    func run() throws {
        let target = MoodState(name: label)
        var current = "unknown"
        do {
            let deadline = timeout.map { EventConnection.now() + $0 }
            let daemon = try connection.connect()
            let greeting = try daemon.greeting(deadline: deadline)
            let hasContent = greeting.hello.contentLabels != nil
            let known = greeting.hello.labels + [MoodState.listening, .silence].map(\.name)
                + (hasContent ? [MoodState.speech, .noise].map(\.name) : [])
            guard known.contains(label) else {
                Output.error("unknown label '\(label)' (moodd knows: \(known.joined(separator: ", ")))")
                throw ExitCode(64)
            }
            current = greeting.state.label.name
            if greeting.state.label == target { return }
            while let received = try daemon.next(deadline: deadline) {
                switch received.event {
                case .change(let change)?:
                    current = change.to.name
                    if change.to == target { return }
                case .mood(let mood)?:
                    current = mood.label.name
                    if mood.label == target { return }
                case .error(let message)?:
                    throw EventConnection.Failure(description: "moodd: \(message)")
                default:
                    continue
                }
            }
            throw EventConnection.closed
        } catch let failure as EventConnection.Failure {
            throw Output.fail(failure, timeoutMessage: "timed out after \(timeout.map { "\($0)" } ?? "?") s waiting for '\(label)' (currently '\(current)')")
        }
    }
}
