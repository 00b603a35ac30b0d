import Foundation
import MoodCore
import MoodTestKit
import Testing

/// `moodd run` and `moodd check-config` up to the point where the daemon would start: the
/// configuration, its errors (exit 78, one line naming file, line and key) and the flags.
@Suite struct RunCommandTests {
    static func write(_ text: String, in directory: TemporaryDirectory, name: String = "moodd.conf") throws -> String {
        let path = directory.path + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func checkConfigPrintsTheDefaultsWhenTheDefaultFileIsAbsent() async throws {
        try #require(!FileManager.default.fileExists(atPath: "/etc/moodd/moodd.conf"), "this machine has a moodd.conf")
        let result = try await offPool { try Command.run("moodd", ["check-config"]) }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == Config().render())
        #expect(result.stderr.isEmpty)
    }

    @Test func checkConfigAppliesTheFileThenTheFlags() async throws {
        let directory = try TemporaryDirectory()
        let file = try Self.write("[smoothing]\ndwell = 20\n[socket]\npath = \"/tmp/a.sock\"\n", in: directory)
        let result = try await offPool {
            try Command.run("moodd", [
                "check-config", "--config", file, "--socket", "/tmp/b.sock", "--log-format", "text",
                "--set", "silence.threshold_db=-40", "--source", "alsa:hw:1,0", "--set", "audio.stall_timeout=0",
            ])
        }
        #expect(result.status == 0, "\(result.stderr)")
        var expected = Config()
        expected.dwell = 20
        expected.socketPath = "/tmp/b.sock"
        expected.logFormat = .text
        expected.silenceThresholdDB = -40
        expected.source = .alsa(device: "hw:1,0")
        expected.stallTimeout = 0
        #expect(result.stdout == expected.render())
    }

    @Test func checkConfigListsEveryProblemAndExits78() async throws {
        let directory = try TemporaryDirectory()
        let file = try Self.write("[audio]\nstall_timeout = -2\n[smoothing]\ndwell = \"ten\"\n[socket]\nmax_clients = 0\n", in: directory)
        let result = try await offPool { try Command.run("moodd", ["check-config", "--config", file]) }
        #expect(result.status == 78)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == """
            moodd: \(file):2: key 'audio.stall_timeout': must be at least 0.0 seconds, got -2
            moodd: \(file):4: key 'smoothing.dwell': expected a number of seconds, got "ten"
            moodd: \(file):6: key 'socket.max_clients': must be between 1 and 4096, got 0

            """)
    }

    @Test func checkConfigReportsBadHistoryValuesAndExits78() async throws {
        let directory = try TemporaryDirectory()
        let file = try Self.write("[history]\nseconds = 100000\nmax_entries = \"many\"\n", in: directory)
        let result = try await offPool { try Command.run("moodd", ["check-config", "--config", file]) }
        #expect(result.status == 78)
        #expect(result.stderr == """
            moodd: \(file):2: key 'history.seconds': must be at most 86400 seconds, got 100000
            moodd: \(file):3: key 'history.max_entries': expected an integer, got "many"

            """)
    }

    /// A 60,000-deep array in the file used to kill both commands with SIGSEGV (rc 139, nothing said).
    @Test func deeplyNestedArrayIsAConfigurationErrorNotACrash() async throws {
        let directory = try TemporaryDirectory()
        let file = try Self.write("[audio]\nsource = " + String(repeating: "[", count: 60_000) + "\n", in: directory)
        for command in ["check-config", "run"] {
            let result = try await offPool {
                try Command.run("moodd", [command, "--config", file, "--socket", directory.path + "/s.sock", "--log", ""], timeout: 20)
            }
            #expect(result.status == 78, "\(command): \(result.stderr)")
            #expect(result.stderr == "moodd: \(file):2: nesting deeper than \(NestingLimit.maxDepth)\n", "\(command)")
        }
    }

    /// What the values name outside the file: a group that does not exist used to pass check-config
    /// and fail `run` with status 1 after capture had started; a missing model or `file:` source
    /// passed check-config. Every problem is listed, each naming the file, line and key.
    @Test func checkConfigChecksWhatTheValuesNameAndListsEveryProblem() async throws {
        let directory = try TemporaryDirectory()
        let fifo = directory.path + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let file = try Self.write("""
            [audio]
            source = "file:\(directory.path)/missing.wav"
            [model]
            path = "\(directory.path)"
            [socket]
            group = "nosuchgroup"
            [log]
            path = "\(fifo)"

            """, in: directory)
        let result = try await offPool { try Command.run("moodd", ["check-config", "--config", file]) }
        #expect(result.status == 78)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == """
            moodd: \(file):2: key 'audio.source': \(directory.path)/missing.wav: No such file or directory
            moodd: \(file):4: key 'model.path': \(directory.path): is a directory, not a file
            moodd: \(file):6: key 'socket.group': no such group "nosuchgroup" (see getent group)
            moodd: \(file):8: key 'log.path': \(fifo) is a FIFO; the event log must be a regular file (one that can block would stall the daemon)

            """)
    }

    /// The MQTT password and CA files are checked like the model: named with their key, exit 78.
    @Test func checkConfigNamesUnreadableMQTTFiles() async throws {
        let directory = try TemporaryDirectory()
        let file = try Self.write("""
            [mqtt]
            host = "broker.lan"
            password_file = "\(directory.path)/missing-password"
            tls = "\(directory.path)"

            """, in: directory)
        let result = try await offPool { try Command.run("moodd", ["check-config", "--config", file]) }
        #expect(result.status == 78)
        #expect(result.stderr.contains("moodd: \(file):3: key 'mqtt.password_file': \(directory.path)/missing-password: No such file or directory\n"), "\(result.stderr)")
        #expect(result.stderr.contains("moodd: \(file):4: key 'mqtt.tls': \(directory.path): is a directory, not a file\n"), "\(result.stderr)")
    }

    /// `run` refuses the same before anything starts (status 78, nothing created), and a socket
    /// directory that does not exist is named with its key and a fix (it used to be
    /// `mkdtemp in /x/y: No such file or directory`, status 1).
    @Test func runRefusesWhatTheValuesNameBeforeStarting() async throws {
        let directory = try TemporaryDirectory()
        let socket = directory.path + "/moodd.sock"
        let demo = URL(fileURLWithPath: Fixtures.directory).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/demo.ogg").path
        let cases: [([String], String)] = [
            (["--set", "socket.group=nosuchgroup"], "moodd: command line: key 'socket.group': no such group \"nosuchgroup\" (see getent group)\n"),
            (["--socket", directory.path + "/x/y/moodd.sock"],
             "moodd: command line: key 'socket.path': the socket's directory \(directory.path)/x/y does not exist; create it, or set socket.path (--socket) elsewhere\n"),
            (["--source", "file:" + directory.path + "/missing.wav"],
             "moodd: command line: key 'audio.source': \(directory.path)/missing.wav: No such file or directory\n"),
        ]
        for (flags, message) in cases {
            let result = try await offPool {
                try Command.run("moodd", ["run", "--source", "file:" + demo, "--socket", socket, "--log", ""] + flags, timeout: 20)
            }
            #expect(result.status == 78, "\(flags)")
            #expect(result.stderr == message)
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []) == [], "\(flags)")
        }
    }

    @Test func checkConfigWarnsAboutUnknownKeys() async throws {
        let directory = try TemporaryDirectory()
        let file = try Self.write("[smoothing]\ndwel = 5\n", in: directory)
        let result = try await offPool { try Command.run("moodd", ["check-config", "--config", file]) }
        #expect(result.status == 0)
        #expect(result.stderr == "moodd: warning: \(file):2: key 'smoothing.dwel': unknown key; did you mean 'smoothing.dwell'? (ignored)\n")
        #expect(result.stdout == Config().render())
    }

    /// An invalid configuration: one line, status 78, and nothing started (no socket, no log).
    @Test func runRefusesAnInvalidConfigurationInOneLine() async throws {
        let directory = try TemporaryDirectory()
        let socket = directory.path + "/moodd.sock"
        let log = directory.path + "/moodd.log"
        let file = try Self.write("[analysis]\nhop = -1\n[log]\nformat = \"xml\"\n", in: directory)
        let result = try await offPool { try Command.run("moodd", ["run", "--config", file, "--socket", socket, "--log", log], timeout: 10) }
        #expect(result.status == 78)
        #expect(result.stderr == "moodd: \(file):2: key 'analysis.hop': must be greater than 0.0 seconds, got -1 (and 1 more; see moodd check-config)\n")
        #expect(!FileManager.default.fileExists(atPath: socket))
        #expect(!FileManager.default.fileExists(atPath: log))
    }

    @Test func runRefusesAMissingExplicitFile() async throws {
        let directory = try TemporaryDirectory()
        let missing = directory.path + "/nope.conf"
        let result = try await offPool { try Command.run("moodd", ["run", "--config", missing], timeout: 10) }
        #expect(result.status == 78)
        #expect(result.stderr == "moodd: \(missing): cannot read the configuration: No such file or directory\n")
    }

    /// A model that cannot be used stops `run` before anything starts: one line, status 1.
    @Test func runRefusesAModelItCannotUse() async throws {
        let directory = try TemporaryDirectory()
        let socket = directory.path + "/moodd.sock"
        let backbone = URL(fileURLWithPath: Fixtures.directory).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/msd_musicnn.safetensors").path
        // A missing file is a configuration error, found before anything starts (status 78).
        let cases = [
            (directory.path + "/missing.safetensors", Int32(78),
             "moodd: command line: key 'model.path': \(directory.path)/missing.safetensors: No such file or directory\n"),
            (backbone, 1, "moodd: \(backbone): the model has no heads (a backbone only: use `moodd tags`)\n"),
        ]
        for (model, status, message) in cases {
            let result = try await offPool { try Command.run("moodd", ["run", "--model", model, "--socket", socket, "--log", ""], timeout: 20) }
            #expect(result.status == status)
            #expect(result.stderr == message)
            #expect(!FileManager.default.fileExists(atPath: socket))
        }
    }

    @Test func badFlagsAreConfigurationErrorsToo() async throws {
        let bad: [([String], String)] = [
            (["--source", "tape:1"], "moodd: command line: key 'audio.source': audio source \"tape:1\""),
            (["--set", "smoothing.dwel=3"], "moodd: command line: key 'smoothing.dwel': unknown key; did you mean 'smoothing.dwell'?"),
            (["--set", "nonsense"], "moodd: command line: --set nonsense: expected key=value"),
            (["--hop", "fast"], "moodd: command line: key 'analysis.hop': expected a number of seconds"),
        ]
        for (flags, prefix) in bad {
            let result = try await offPool { try Command.run("moodd", ["run"] + flags, timeout: 10) }
            #expect(result.status == 78, "\(flags): \(result.stderr)")
            #expect(result.stderr.hasPrefix(prefix), "\(flags): \(result.stderr)")
            #expect(result.stderr.filter { $0 == "\n" }.count == 1)
        }
    }
}
