import ArgumentParser
import MoodCLI
import MoodCore
import MoodService
import MoodSystem

/// `moodd check-config`: the effective configuration (file + flags) as TOML on stdout, warnings on
/// stderr, exit status 78 (EX_CONFIG) with every problem listed when it is invalid.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Print the effective configuration (the file with the flags applied) as TOML.",
        discussion: "Exit status 0 when valid, 78 when not; each problem names the file, the line and the key."
    )

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Explain every key in a comment (what config/moodd.conf holds).")
    var comments = false

    func run() throws {
        let loaded: Config.Loaded
        do {
            loaded = try options.load()
        } catch {
            for message in error.messages { Diagnostics.error(message) }
            throw ExitCode(ConfigOptions.exConfig)
        }
        for warning in loaded.warnings { Diagnostics.error("warning: \(warning)") }
        print(loaded.config.render(comments: comments), terminator: "")
    }
}

/// The flags `run` and `check-config` share: where the file is, and overrides of its keys (read,
/// parsed and applied by `ConfigFile`, which moodd-web shares).
struct ConfigOptions: ParsableArguments {
    static let exConfig = ConfigFile.exConfig
    static let defaultPath = ConfigFile.defaultPath

    @Option(name: .long, help: ArgumentHelp("Configuration file (TOML).", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Audio source: pulse[:SOURCE], alsa[:DEVICE], file[+loop][+unpaced]:PATH or stdin[:RATE:CHANNELS] (audio.source).", valueName: "spec"))
    var source: String?

    @Option(name: .long, help: ArgumentHelp("Unix socket path for clients (socket.path).", valueName: "path"))
    var socket: String?

    @Option(name: .long, help: ArgumentHelp("Event log file; \"\" for none (log.path).", valueName: "path"))
    var log: String?

    @Option(name: .customLong("log-format"), help: ArgumentHelp("Event log format: json or text (log.format).", valueName: "format"))
    var logFormat: String?

    @Option(name: .long, help: ArgumentHelp("Mood model file; default: the shipped 4-quadrant model (model.path).", valueName: "path"))
    var model: String?

    @Option(name: .long, help: ArgumentHelp("Seconds between analyses (analysis.hop).", valueName: "seconds"))
    var hop: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Any key: --set smoothing.dwell=5 (repeatable).", valueName: "key=value"))
    var assignments: [String] = []

    typealias Failure = ConfigFile.Failure

    /// The overrides the flags stand for, keyed by full dotted key.
    func overrides() throws(Failure) -> [String: String] {
        var result = try ConfigFile.overrides(assignments: assignments)
        let named: [(String, String?)] = [
            ("audio.source", source), ("socket.path", socket), ("log.path", log), ("log.format", logFormat),
            ("model.path", model), ("analysis.hop", hop),
        ]
        for (key, value) in named { if let value, result[key] == nil { result[key] = value } }
        return result
    }

    /// Reads the file, applies the flags, and checks what the values name outside the file
    /// (`ConfigCheck`, the shipped model). Every problem is listed: the file's, the flags' (applied to
    /// the defaults when the file is invalid) and the checks'.
    /// - Parameter forRun: also check what must hold when the daemon starts (the socket's directory).
    func load(forRun: Bool = false) throws(Failure) -> Config.Loaded {
        let file = try ConfigFile.load(path: config, overrides: try overrides())
        var problems = ConfigCheck.problems(file.loaded.config, socketDirectory: forRun)
        if file.loaded.config.modelPath.isEmpty {
            do {
                _ = try ModelLocator.path(ModelLocator.mood)
            } catch {
                problems.append(.init(key: "model.path", message: "\(error)"))
            }
        }
        let order = Config.keys
        problems.sort { (order.firstIndex(of: $0.key) ?? 0) < (order.firstIndex(of: $1.key) ?? 0) }
        guard problems.isEmpty else { throw Failure(messages: problems.map { "\(file.origin($0.key)): \($0)" }) }
        return file.loaded
    }
}
