import ArgumentParser
import MoodCore

/// `moodctl watch`: the event stream, as readable lines or as the daemon's JSON.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print moodd's events as they happen, starting with the current state.",
        discussion: """
            With --json, the daemon's lines as they are, hello first (protocol, version, labels, hop). \
            Ends with status 1 when moodd goes away (it disconnects clients that fall far behind).
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Flag(name: .long, help: "Print the daemon's JSON lines as they are.")
    var json = false

    @Flag(name: .customLong("changes-only"), help: "Print only change events (the announced mood changed).")
    var changesOnly = false

    func run() throws {
        do {
            let daemon = try connection.connect()
            let greeting = try daemon.greeting(deadline: EventConnection.now() + 5)
            if json, !changesOnly {
                guard Output.line(greeting.helloLine) else { return }
            }
            if !changesOnly {
                let state = MoodEvent.state(greeting.state)
                guard print(greeting.stateLine, state) else { return }
            }
            while let received = try daemon.next(deadline: nil) {
                guard let event = received.event else {
                    if json, !changesOnly, !print(received.line, nil) { return }
                    continue
                }
                switch event {
                case .error(let message):
                    throw EventConnection.Failure(description: "moodd: \(message)")
                case .change:
                    guard print(received.line, event) else { return }
                case .mood, .source, .state, .status, .history:
                    if !changesOnly, !print(received.line, event) { return }
                case .hello:
                    continue
                }
            }
            throw EventConnection.closed
        } catch let failure as EventConnection.Failure {
            throw Output.fail(failure)
        }
    }

    /// One event in the chosen form; false when stdout is gone (then moodctl ends quietly).
    private func print(_ line: [UInt8], _ event: MoodEvent?) -> Bool {
        if json || event == nil { return Output.line(line) }
        return Output.line(event!.textLine())
    }
}
