import ArgumentParser
import MoodCore
import MoodService
import MoodSystem
import SystemPackage

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

/// The flags `run` and `check-config` share: where the file is, and overrides of its keys.
struct ConfigOptions: ParsableArguments {
    /// EX_CONFIG from sysexits.h: "something was found in an unconfigured or misconfigured state".
    static let exConfig: Int32 = 78
    static let defaultPath = "/etc/moodd/moodd.conf"

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

    /// Every problem, one line each, ready for stderr.
    struct Failure: Error {
        var messages: [String]
    }

    /// The overrides the flags stand for, keyed by full dotted key.
    func overrides() throws(Failure) -> [String: String] {
        var result: [String: String] = [:]
        let named: [(String, String?)] = [
            ("audio.source", source), ("socket.path", socket), ("log.path", log), ("log.format", logFormat),
            ("model.path", model), ("analysis.hop", hop),
        ]
        for (key, value) in named { if let value { result[key] = value } }
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw Failure(messages: ["command line: --set \(assignment): expected key=value, like smoothing.dwell=5"])
            }
            result[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        return result
    }

    /// Reads the file (the default one may be missing: defaults), applies the flags, and checks what
    /// the values name outside the file (`ConfigCheck`, the shipped model). Every problem is listed:
    /// the file's, the flags' (applied to the defaults when the file is invalid) and the checks'.
    /// - Parameter forRun: also check what must hold when the daemon starts (the socket's directory).
    func load(forRun: Bool = false) throws(Failure) -> Config.Loaded {
        let path = config ?? Self.defaultPath
        var loaded = Config.Loaded(config: Config(), warnings: [])
        var messages: [String] = []
        var fileRead = false
        if let text = try Self.read(path, required: config != nil) {
            fileRead = true
            do {
                loaded = try Config.parse(text, file: path)
            } catch {
                messages += error.diagnostics.map(\.description)
            }
        }
        let overrides = try overrides()
        do {
            loaded.config = try loaded.config.applying(overrides: overrides)
        } catch {
            messages += error.diagnostics.map(\.description)
        }
        /// Where a key's value came from: `command line`, `FILE:LINE`, or the file (or the defaults).
        func origin(_ key: String) -> String {
            if overrides[key] != nil { return "command line" }
            if let line = loaded.lines[key] { return "\(path):\(line)" }
            return fileRead ? path : "defaults"
        }
        guard messages.isEmpty else { throw Failure(messages: messages) }
        var problems = ConfigCheck.problems(loaded.config, socketDirectory: forRun)
        if loaded.config.modelPath.isEmpty {
            do {
                _ = try ModelLocator.path(ModelLocator.mood)
            } catch {
                problems.append(.init(key: "model.path", message: "\(error)"))
            }
        }
        let order = Config.keys
        problems.sort { (order.firstIndex(of: $0.key) ?? 0) < (order.firstIndex(of: $1.key) ?? 0) }
        guard problems.isEmpty else { throw Failure(messages: problems.map { "\(origin($0.key)): \($0)" }) }
        return loaded
    }

    /// The file's text; nil if it is the default path and absent. Read with open(2)/read(2), so pipes
    /// (`--config <(...)`) work, errors carry strerror's words, and a huge or endless file (`/dev/zero`)
    /// is refused at 1 MiB instead of filling memory.
    private static func read(_ path: String, required: Bool) throws(Failure) -> String? {
        func failure(_ reason: String) -> Failure { Failure(messages: ["\(path): cannot read the configuration: \(reason)"]) }
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
        } catch {
            let code = error as? Errno ?? .ioError
            if code == .noSuchFileOrDirectory, !required { return nil }
            throw failure(code.description)
        }
        defer { try? fd.close() }
        let limit = 1 << 20
        let bytes: [UInt8]
        do {
            bytes = try fd.read(upTo: limit + 1)
        } catch {
            throw failure(error.description)
        }
        guard bytes.count <= limit else { throw failure("larger than 1 MiB, not a configuration file") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw failure("not UTF-8 text") }
        return text
    }
}
