import ArgumentParser
import MoodCore

/// `moodctl history`: what moodd kept of the recent past (changes, source events, a mood sample per
/// step), oldest first, one line each as `moodctl watch` prints them.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Print the recent changes, source events and mood samples moodd kept, oldest first.",
        discussion: """
            moodd keeps history.seconds of them (default an hour), a mood sample every history.step seconds. \
            With --json, prints moodd's history event as it is (one JSON line, the entries in "events").
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: ArgumentHelp("How far back, seconds (default: all that moodd keeps).", valueName: "seconds"))
    var seconds: Double?

    @Flag(name: .long, help: "Print the daemon's history event as it is (one JSON line).")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for moodd's answer.", valueName: "seconds"))
    var timeout: Double = 5

    func validate() throws {
        if let seconds, !(seconds > 0 && seconds.isFinite) {
            throw ValidationError("--seconds must be a positive number of seconds")
        }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() throws {
        do {
            let deadline = EventConnection.now() + timeout
            let daemon = try connection.connect()
            _ = try daemon.greeting(deadline: deadline)
            try daemon.send(ClientCommand.history(seconds: seconds).jsonLine)
            while let received = try daemon.next(deadline: deadline) {
                switch received.event {
                case .history(let history)?:
                    if json {
                        _ = Output.line(received.line)
                    } else {
                        for event in history.events where !Output.line(event.textLine()) { return }
                    }
                    return
                case .error(let message)?:
                    throw EventConnection.Failure(description: "moodd: \(message)")
                default:
                    continue  // events published before our command was read
                }
            }
            throw EventConnection.closed
        } catch let failure as EventConnection.Failure {
            throw Output.fail(failure, timeoutMessage: "no answer from moodd within \(timeout) s")
        }
    }
}
