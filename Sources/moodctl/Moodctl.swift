#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import MoodCore

@main
struct Moodctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moodctl",
        abstract: "Ask moodd what mood the music is in, follow it, wait for one, or look back.",
        discussion: """
            Talks to moodd's socket (--socket, else $MOODD_SOCKET, else \(ConnectionOptions.defaultPath)); \
            protocol: docs/protocol.md. Exit status: 0 success, 1 error or moodd gone, 64 usage, 124 timeout.
            """,
        version: MooddVersion.string,
        subcommands: [StatusCommand.self, WatchCommand.self, WaitCommand.self, HistoryCommand.self]
    )

    static func main() {
        // A reader that goes away (`moodctl watch | head -1`) must end moodctl with a clean
        // status, not kill it with SIGPIPE; writes report EPIPE instead.
        signal(SIGPIPE, SIG_IGN)
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

/// `--socket PATH`, shared by every subcommand.
struct ConnectionOptions: ParsableArguments {
    static let defaultPath = "/run/moodd/moodd.sock"

    @Option(name: .long, help: ArgumentHelp("moodd's socket (default: $MOODD_SOCKET, else \(defaultPath)).", valueName: "path"))
    var socket: String?

    /// The flag, else `$MOODD_SOCKET`, else the default.
    var path: String {
        if let socket { return socket }
        if let env = getenv("MOODD_SOCKET"), env.pointee != 0 { return String(cString: env) }
        return Self.defaultPath
    }

    func connect() throws(EventConnection.Failure) -> EventConnection {
        try EventConnection(path: path)
    }
}
