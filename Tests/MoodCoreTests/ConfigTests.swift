import Foundation
import MoodCore
import Testing

@Suite struct ConfigTests {
    /// `config/moodd.conf` of this checkout.
    static let shippedConfigPath: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // MoodCoreTests/ConfigTests.swift, Tests
        return parts.joined(separator: "/") + "/config/moodd.conf"
    }()

    @Test func anEmptyFileGivesTheDefaults() throws {
        let loaded = try Config.parse("", file: "moodd.conf")
        #expect(loaded.config == Config())
        #expect(loaded.warnings.isEmpty)
        let c = Config()
        #expect(c.source == .pulse(source: "@DEFAULT_MONITOR@") && c.socketPath == "/run/moodd/moodd.sock" && c.socketMode == 0o660)
        #expect(c.hop == 1.5 && c.dwell == 10 && c.silenceThresholdDB == -50 && c.logFormat == .json)
    }

    /// The shipped file documents every key at its default, exactly as `render(comments:)` writes it.
    @Test func theShippedConfigIsTheRenderedDefault() throws {
        let text = try String(contentsOfFile: Self.shippedConfigPath, encoding: .utf8)
        #expect(text == Config().render(comments: true))
        let loaded = try Config.parse(text, file: "moodd.conf")
        #expect(loaded.config == Config() && loaded.warnings.isEmpty)
        for key in Config.keys { #expect(text.contains("\n\(key.split(separator: ".").last!) = ")) }
    }

    @Test func readsEveryKey() throws {
        let loaded = try Config.parse("""
            [audio]
            source = "alsa:hw:1,0"
            [model]
            path = "/opt/mood.safetensors"
            [analysis]
            hop = 2
            [smoothing]
            time_constant = 0
            dwell = 20.5
            initial_dwell = 1.5
            [silence]
            threshold_db = -60
            [content]
            enter_dwell = 4.5
            leave_dwell = 12
            [socket]
            path = "/tmp/m.sock"
            mode = "600"
            group = "audio"
            max_clients = 4
            queue_events = 16
            queue_bytes = 65536
            [log]
            path = ""
            format = "text"
            events = ["change", "source", "change"]
            """, file: "moodd.conf")
        var expected = Config()
        expected.source = .alsa(device: "hw:1,0")
        expected.modelPath = "/opt/mood.safetensors"
        expected.hop = 2
        expected.timeConstant = 0
        expected.dwell = 20.5
        expected.initialDwell = 1.5
        expected.silenceThresholdDB = -60
        expected.contentEnterDwell = 4.5
        expected.contentLeaveDwell = 12
        expected.socketPath = "/tmp/m.sock"
        expected.socketMode = 0o600
        expected.socketGroup = "audio"
        expected.maxClients = 4
        expected.queueEvents = 16
        expected.queueBytes = 65536
        expected.logPath = ""
        expected.logFormat = .text
        expected.logEvents = [.change, .source]
        #expect(loaded.config == expected)
        // And back: the rendered text reads as the same configuration.
        #expect(try Config.parse(loaded.config.render(), file: "x").config == expected)
        #expect(loaded.config.trackerSettings == .init(
            timeConstant: 0, dwell: 20.5, initialDwell: 1.5, silenceThresholdDB: -60, contentEnterDwell: 4.5, contentLeaveDwell: 12))
    }

    @Test func theIssueExampleMessage() {
        let text = String(repeating: "\n", count: 10) + "[smoothing]\ndwell = \"ten\"\n"
        #expect(throws: Config.Errors(diagnostics: [.init(origin: "moodd.conf", line: 12, key: "smoothing.dwell", message: "expected a number of seconds, got \"ten\"")])) {
            try Config.parse(text, file: "moodd.conf")
        }
        do {
            _ = try Config.parse(text, file: "moodd.conf")
        } catch {
            #expect(error.description == #"moodd.conf:12: key 'smoothing.dwell': expected a number of seconds, got "ten""#)
        }
    }

    @Test(arguments: [
        ("[analysis]\nhop = 0", "analysis.hop", "must be greater than 0.0 seconds, got 0"),
        ("[analysis]\nhop = nan", "analysis.hop", "expected a number of seconds, got nan"),
        ("[smoothing]\ndwell = -1", "smoothing.dwell", "must be at least 0.0 seconds, got -1"),
        ("[smoothing]\ntime_constant = 7200", "smoothing.time_constant", "must be at most 3600 seconds, got 7200"),
        ("[content]\nenter_dwell = -0.5", "content.enter_dwell", "must be at least 0.0 seconds, got -0.5"),
        ("[content]\nleave_dwell = \"6\"", "content.leave_dwell", "expected a number of seconds, got \"6\""),
        ("[content]\nleave_dwell = 4000", "content.leave_dwell", "must be at most 3600 seconds, got 4000"),
        ("[silence]\nthreshold_db = 3", "silence.threshold_db", "must be at most 0 dBFS (full scale), got 3"),
        ("[silence]\nthreshold_db = \"-50\"", "silence.threshold_db", "expected a level in dBFS, got \"-50\""),
        ("[socket]\nmode = 0o660", "socket.mode", "expected an octal mode as a string, like \"0660\", got 432"),
        ("[socket]\nmode = \"0869\"", "socket.mode", "expected an octal mode as a string, like \"0660\", got \"0869\""),
        ("[socket]\nmode = \"4755\"", "socket.mode", "must be at most \"0777\" (no setuid, setgid or sticky bits), got \"4755\""),
        ("[socket]\npath = \"/\(String(repeating: "x", count: 107))\"", "socket.path", "108 bytes long; a Unix socket path holds at most 107"),
        ("[socket]\npath = \"\"", "socket.path", "must not be empty"),
        ("[socket]\ngroup = \"a\\nb\"", "socket.group", "must not contain control characters, got \"a\\nb\""),
        ("[socket]\nmax_clients = 0", "socket.max_clients", "must be between 1 and 4096, got 0"),
        ("[socket]\nunread_timeout = -1", "socket.unread_timeout", "must be at least 0.0 seconds, got -1"),
        ("[socket]\nqueue_events = 1.5", "socket.queue_events", "expected an integer, got 1.5"),
        ("[audio]\nsource = 1", "audio.source", "expected a string, got 1"),
        ("[audio]\nstall_timeout = -1", "audio.stall_timeout", "must be at least 0.0 seconds, got -1"),
        ("[audio]\nstall_timeout = \"5s\"", "audio.stall_timeout", "expected a number of seconds, got \"5s\""),
        ("[log]\nformat = \"xml\"", "log.format", "expected \"json\" or \"text\", got \"xml\""),
        ("[log]\nevents = [\"mood\", \"tempo\"]", "log.events", "unknown event \"tempo\" (known: \"mood\", \"change\", \"source\")"),
        ("[log]\nevents = [1]", "log.events", "expected an array of event names, got [1]"),
    ])
    func invalidValuesNameTheKeyAndLine(text: String, key: String, message: String) {
        #expect(throws: Config.Errors(diagnostics: [.init(origin: "c.conf", line: 2, key: key, message: message)])) {
            try Config.parse(text, file: "c.conf")
        }
    }

    @Test func everyBadValueIsReportedAtOnce() {
        do {
            _ = try Config.parse("[analysis]\nhop = -1\n[smoothing]\ndwell = \"x\"\n", file: "c.conf")
            Issue.record("accepted")
        } catch {
            #expect(error.diagnostics.map(\.line) == [2, 4])
        }
    }

    @Test func syntaxErrorsCarryTheLine() {
        #expect(throws: Config.Errors(diagnostics: [.init(origin: "c.conf", line: 3, key: nil, message: "unterminated string")])) {
            try Config.parse("[audio]\n\nsource = \"pulse", file: "c.conf")
        }
    }

    @Test func unknownKeysAreWarningsWithSuggestions() throws {
        let loaded = try Config.parse("[smoothing]\ndwel = 5\n[socket]\nqueue = 3\n[extra]\n[future]\nthing = 1\n", file: "c.conf")
        #expect(loaded.config == Config())
        #expect(loaded.warnings.map(\.description) == [
            "c.conf:2: key 'smoothing.dwel': unknown key; did you mean 'smoothing.dwell'? (ignored)",
            "c.conf:4: key 'socket.queue': unknown key (ignored)",
            "c.conf:7: key 'future.thing': unknown key (ignored)",
            "c.conf:5: unknown table [extra] (ignored)",
        ])
    }

    @Test func overridesApplyOnTop() throws {
        let base = try Config.parse("[smoothing]\ndwell = 20\n", file: "c.conf").config
        let c = try base.applying(overrides: [
            "smoothing.dwell": "5", "socket.path": "/tmp/x.sock", "socket.mode": "0600", "analysis.hop": "0.75",
            "log.events": "change, source", "socket.group": "10",
        ])
        #expect(c.dwell == 5 && c.socketPath == "/tmp/x.sock" && c.socketMode == 0o600 && c.hop == 0.75)
        #expect(c.logEvents == [.change, .source])
        #expect(c.socketGroup == "10")  // string keys take the text verbatim
    }

    @Test func badOverridesAreErrors() {
        #expect(throws: Config.Errors(diagnostics: [
            .init(origin: "command line", line: nil, key: "analysis.hop", message: "expected a number of seconds, got \"fast\""),
            .init(origin: "command line", line: nil, key: "smoothing.dwel", message: "unknown key; did you mean 'smoothing.dwell'?"),
            .init(origin: "command line", line: nil, key: "threshold_db", message: "unknown key; did you mean 'silence.threshold_db'?"),
        ])) {
            try Config().applying(overrides: ["analysis.hop": "fast", "smoothing.dwel": "1", "threshold_db": "-40"])
        }
    }

    @Test func renderIsStable() {
        #expect(Config().render() == """
            [audio]
            source = "pulse:@DEFAULT_MONITOR@"
            stall_timeout = 5.0

            [model]
            path = ""

            [analysis]
            hop = 1.5

            [smoothing]
            time_constant = 3.0
            dwell = 10.0
            initial_dwell = 3.0

            [silence]
            threshold_db = -50.0

            [content]
            enter_dwell = 3.0
            leave_dwell = 6.0

            [socket]
            path = "/run/moodd/moodd.sock"
            mode = "0660"
            group = ""
            max_clients = 32
            unread_timeout = 10.0
            queue_events = 256
            queue_bytes = 262144

            [log]
            path = "/var/log/moodd/moodd.log"
            format = "json"
            events = ["mood", "change", "source"]

            [history]
            seconds = 3600.0
            step = 30.0
            max_entries = 1000

            [mqtt]
            host = ""
            port = 1883
            username = ""
            password_file = ""
            tls = ""
            client_id = ""
            keepalive = 30
            topic = ""
            discovery_prefix = "homeassistant"
            publish_interval = 10.0

            [http]
            listen = ""
            max_upload_bytes = 50000000

            """)
    }

    @Test(arguments: [
        ("mqtt.topic", "home/+/moodd", "an MQTT topic to publish to has no wildcard (+, #)"),
        ("mqtt.topic", "moodd/#", "an MQTT topic to publish to has no wildcard (+, #)"),
        ("mqtt.topic", "/moodd", "an MQTT topic has no empty level (no leading, trailing or double /)"),
        ("mqtt.discovery_prefix", "home//assistant", "an MQTT topic has no empty level (no leading, trailing or double /)"),
        ("mqtt.port", "0", "must be between 1 and 65535, got 0"),
        ("mqtt.publish_interval", "0", "must be greater than 0.0 seconds, got 0"),
    ])
    func badMQTTValuesAreErrors(key: String, value: String, message: String) {
        #expect(throws: Config.Errors(diagnostics: [.init(origin: "command line", line: nil, key: key, message: message)])) {
            try Config().applying(overrides: [key: value])
        }
    }

    /// Regression: `audio.source` was kept as text and parsed again by each user of it, and
    /// `AnalysisService.Settings(config)` did so with `try?`, falling back to the wall clock: a typo in
    /// `file+unpaced:` was accepted by `Config` and an unpaced file analysed in real time, silently.
    /// Parsed once, when the value is read, a spec that does not parse is one line naming the key,
    /// the spec and what is wrong, from a file or the command line alike.
    @Test func aSourceThatDoesNotParseIsAnErrorNotTheWallClock() {
        let typo = "file+unpacde:/music/a.ogg"
        let reason = #"audio source "file+unpacde:/music/a.ogg": unknown file option "+unpacde"; known: +loop, +unpaced"#
        #expect(throws: Config.Errors(diagnostics: [.init(origin: "c.conf", line: 2, key: "audio.source", message: reason)])) {
            try Config.parse("[audio]\nsource = \"\(typo)\"\n", file: "c.conf")
        }
        do {
            _ = try Config().applying(overrides: ["audio.source": "file+unpaced"])
            Issue.record("accepted a file source without a path")
        } catch {
            #expect(error.description == #"command line: key 'audio.source': audio source "file+unpaced": missing path; write file:PATH"#)
        }
    }

    @Test func readsTheHistoryKeys() throws {
        let loaded = try Config.parse("""
            [history]
            seconds = 86400
            step = 0
            max_entries = 20000
            """, file: "moodd.conf")
        #expect(loaded.config.historySettings == HistoryRing.Settings(seconds: 86_400, step: 0, maxEntries: 20_000))
        #expect(try Config.parse("[history]\nseconds = 0", file: "moodd.conf").config.historySettings.isOn == false)
    }

    /// Every bad history value is named with its line, all at once (check-config lists them; exit 78).
    @Test func badHistoryValuesAreErrors() {
        #expect(throws: Config.Errors(diagnostics: [
            .init(origin: "moodd.conf", line: 2, key: "history.seconds", message: "must be at most 86400 seconds, got 90000"),
            .init(origin: "moodd.conf", line: 3, key: "history.step", message: "must be at least 0.0 seconds, got -1"),
            .init(origin: "moodd.conf", line: 4, key: "history.max_entries", message: "must be between 1 and 20000, got 0"),
        ])) {
            try Config.parse("[history]\nseconds = 90000\nstep = -1\nmax_entries = 0\n", file: "moodd.conf")
        }
        #expect(throws: Config.Errors(diagnostics: [
            .init(origin: "moodd.conf", line: 2, key: "history.seconds", message: "must be at least 0.0 seconds, got -5"),
            .init(origin: "moodd.conf", line: 3, key: "history.step", message: "must be at most 3600 seconds, got 7200"),
            .init(origin: "moodd.conf", line: 4, key: "history.max_entries", message: "expected an integer, got 1.5"),
        ])) {
            try Config.parse("[history]\nseconds = -5\nstep = 7200\nmax_entries = 1.5\n", file: "moodd.conf")
        }
    }
}
