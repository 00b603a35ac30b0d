import ArgumentParser
import MoodCore

/// `moodctl status`: the daemon's current state, one line.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print the current mood, its confidence and since when, the source, counters, and the MQTT publisher's health."
    )

    @OptionGroup var connection: ConnectionOptions

    @Flag(name: .long, help: "Print the daemon's status event as it is (one JSON line).")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for moodd's answer.", valueName: "seconds"))
    var timeout: Double = 5

    func validate() throws {
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() throws {
        do {
            let deadline = EventConnection.now() + timeout
            let daemon = try connection.connect()
            _ = try daemon.greeting(deadline: deadline)
            try daemon.send("{\"cmd\":\"status\"}")
            while let received = try daemon.next(deadline: deadline) {
                switch received.event {
                case .status?:
                    _ = Output.line(json ? received.line : Array((received.event!.textLine()).utf8))
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
