#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ArgumentParser
import Logging
import MoodCore
import MoodModel
import MoodService
import ServiceLifecycle

/// `moodd run`: the daemon. Reads the configuration (flags override the file), builds the service
/// group and runs it until SIGTERM/SIGINT.
///
/// Exit status: 0 after a graceful shutdown; 78 (EX_CONFIG) for an invalid configuration, with one
/// line naming the file, line and key, before anything is started; 1 when the daemon cannot start
/// or fails (another moodd running, something else at the socket path, no model).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Listen, analyse, and publish mood events on the socket and the log.",
        discussion: """
            Configuration: \(ConfigOptions.defaultPath) if present (else the defaults), or --config FILE; \
            the flags override it. Signals: SIGTERM/SIGINT shut down gracefully, SIGHUP reopens the event log. \
            See docs/operations.md.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Flag(name: .long, help: "Log debug messages too.")
    var verbose = false

    func run() async throws {
        let loaded: Config.Loaded
        do {
            loaded = try options.load(forRun: true)
        } catch {
            var message = error.messages.first ?? "invalid configuration"
            if error.messages.count > 1 { message += " (and \(error.messages.count - 1) more; see moodd check-config)" }
            Diagnostics.error(message)
            throw ExitCode(ConfigOptions.exConfig)
        }
        for warning in loaded.warnings { Diagnostics.error("warning: \(warning)") }
        let config = loaded.config

        Daemon.prepareProcess()
        var logger = Logger(label: "moodd") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .debug : .info

        do {
            let classifier = try Self.loadClassifier(config)
            let daemon = Daemon(
                config: config, classifier: classifier, input: classifier.input,
                environment: ProcessInfo.processInfo.environment, logger: logger)
            try daemon.preflight()
            let group = daemon.serviceGroup(capture: daemon.makeCapture())
            try await group.run()
        } catch {
            throw Diagnostics.fail(error)
        }
    }

    /// The mood model at `model.path`: the musicnn backbone with its mood head (`MoodClassifier`), and
    /// its `input`, which decides the front end and the patch. An empty `model.path` means the shipped
    /// 4-quadrant model (`ModelLocator`).
    static func loadClassifier(_ config: Config) throws -> MoodClassifier {
        try MoodClassifier.forAudio(contentsOfFile: config.modelPath.isEmpty ? try ModelLocator.path(ModelLocator.mood) : config.modelPath)
    }
}
