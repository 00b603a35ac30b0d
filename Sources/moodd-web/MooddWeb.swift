import ArgumentParser
import Foundation
import Hummingbird
import Logging
import MoodCLI
import MoodCore
import MoodSystem
import MoodWeb
import NIOCore
import ServiceLifecycle
import SystemPackage

/// `moodd-web`: the live page (docs/web.md). A subscriber of the daemon's socket like any other
/// client, serving the page, the daemon's state and history, live events and "try a file" over HTTP.
@main
struct MooddWeb: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moodd-web",
        abstract: "Serve moodd's live page: the room's mood now, the last hour, and \"try a file\".",
        discussion: """
            Reads the same configuration as `moodd run` ([socket] path, [model] path and [http]), from \
            \(ConfigFile.defaultPath) if present or --config FILE, with the same --set overrides. \
            [http] listen must be set (HOST:PORT); the page has no login, so a LAN address lets anyone \
            on that network see it (docs/web.md).
            """,
        version: MooddVersion.string
    )

    @Option(name: .long, help: ArgumentHelp("Configuration file (TOML), the one moodd run reads.", valueName: "file"))
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Any key: --set http.listen=127.0.0.1:8080 (repeatable).", valueName: "key=value"))
    var assignments: [String] = []

    @Option(name: .long, help: ArgumentHelp("The moodd executable that classifies uploads (default: the one beside moodd-web).", valueName: "path"))
    var moodd: String?

    func run() async throws {
        let settings: Config
        do {
            settings = try ConfigFile.load(path: config, overrides: try ConfigFile.overrides(assignments: assignments)).loaded.config
        } catch {
            for message in error.messages { Self.fail(message) }
            throw ExitCode(ConfigFile.exConfig)
        }
        guard let listen = settings.httpListen else {
            Self.fail("http.listen is empty, so there is no page to serve; set it in [http] (listen = \"127.0.0.1:8080\") or with --set http.listen=127.0.0.1:8080")
            throw ExitCode(ConfigFile.exConfig)
        }
        let mooddPath = moodd ?? Self.besideMe("moodd")
        guard FileManager.default.isExecutableFile(atPath: mooddPath) else {
            Self.fail("\(mooddPath): no moodd executable there to classify uploads (--moodd PATH says where it is)")
            throw ExitCode(ConfigFile.exConfig)
        }
        let scratch: FilePath
        do {
            let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
            scratch = try FileSystem.makeTemporaryDirectory(FilePath(base + "/moodd-web.XXXXXX"))
        } catch {
            Self.fail("cannot make a private directory for uploads: \(error)")
            throw ExitCode(1)
        }
        defer { try? FileManager.default.removeItem(atPath: scratch.string) }

        var logger = Logger(label: "moodd-web")
        logger.logLevel = .warning
        let hub = LiveHub(since: Timestamp(millisecondsSinceEpoch: SystemClock.wallMilliseconds).rfc3339)
        let link = DaemonLink(socketPath: settings.socketPath, hub: hub)
        try link.start()
        let server = WebServer(
            settings: .init(listen: listen, socketPath: settings.socketPath, maxUploadBytes: settings.httpMaxUploadBytes, scratchDirectory: scratch.string),
            hub: hub, classifier: ClassifyRunner(moodd: mooddPath, model: settings.modelPath)
        )
        let socketPath = settings.socketPath
        let app = server.application(logger: logger) { address in
            FileHandle.standardOutput.write(Data("moodd-web: serving http://\(address)/ (moodd's socket: \(socketPath))\n".utf8))
            if !listen.isLoopback { Self.fail("warning: \(listen) is reachable from other machines and the page has no login (docs/web.md)") }
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app), .init(service: LiveStreams(hub: hub, link: link))],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        ))
        do {
            try await group.run()
        } catch let error as IOError {
            Self.fail("\(listen): cannot listen: \(String(cString: strerror(error.errnoCode)))")
            throw ExitCode(1)
        } catch {
            Self.fail("\(listen): cannot serve: \(error)")
            throw ExitCode(1)
        }
    }

    static func fail(_ message: String) {
        FileHandle.standardError.write(Data("moodd-web: \(message)\n".utf8))
    }

    /// `name` in the directory this executable is in.
    static func besideMe(_ name: String) -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent(name).path
    }
}
