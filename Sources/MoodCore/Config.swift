/// moodd's configuration: what `/etc/moodd/moodd.conf` (TOML) and command-line overrides set.
///
/// Every property has the default a fresh install runs with; `config/moodd.conf` documents each key
/// with its default and is `Config().render(comments: true)`. Load with `Config.parse(_:file:)`,
/// apply flags with `applying(overrides:)`, print with `render()` (`moodd check-config`).
/// The key table, with each key's type and limits, is `Config.settings` (Config+Settings.swift).
public struct Config: Sendable, Equatable {
    public enum LogFormat: String, Sendable, Equatable, CaseIterable {
        /// The socket's event lines, as they are.
        case json
        /// `MoodEvent.textLine()`.
        case text
    }

    /// Which events the log file records (`log.events`); `hello`, `state` and replies are per client
    /// and never logged.
    public enum LoggedEvent: String, Sendable, Equatable, CaseIterable {
        case mood, change, source
    }

    // [audio]
    /// The capture source, parsed when the value is read (`SourceSpec`): a spec that does not parse
    /// is a configuration error naming the key, never a silent default further on.
    public var source = SourceSpec.defaultSource
    /// Seconds without a sample from a source that is open before it is announced lost (reason
    /// `stalled`, `StallWatchdog`); 0 turns the check off.
    public var stallTimeout = 5.0

    // [model]
    /// The mood model file; empty for the shipped 4-quadrant model (moodd-4q.safetensors, found beside
    /// the installed binary in ../share/moodd/, in the source tree's models/, or in /usr/share/moodd/).
    public var modelPath = ""

    // [analysis]
    /// Seconds between analyses (each analyses the latest window the model takes, 3 s for musicnn).
    public var hop = 1.5

    // [smoothing]
    /// EMA time constant, seconds; 0 disables smoothing.
    public var timeConstant = 3.0
    /// Seconds a new label must lead before it is announced.
    public var dwell = 10.0
    /// Seconds a label must lead for the first announcement after start or silence (see `MoodTracker.Settings`).
    public var initialDwell = 3.0

    // [content] (used only when the model has a content head)
    /// Seconds music, speech or noise must lead the smoothed content before it is entered.
    public var contentEnterDwell = 3.0
    /// Seconds other content must lead before music is left.
    public var contentLeaveDwell = 6.0

    // [silence]
    /// Windows quieter than this (RMS, dBFS) are silence.
    public var silenceThresholdDB = -50.0

    // [socket]
    public var socketPath = "/run/moodd/moodd.sock"
    /// Permission bits of the socket file, 0...0o777.
    public var socketMode: UInt32 = 0o660
    /// Group owning the socket; empty keeps the daemon's primary group.
    public var socketGroup = ""
    /// Connections beyond this are refused (closed after an `error` event).
    public var maxClients = 32
    /// Seconds a client may leave what was sent to it unread before it is disconnected
    /// (`ClientAdmission`); 0 = never for that alone.
    public var unreadTimeout = 10.0
    /// Per-client queue bounds (`SubscriberQueue`): a client this far behind is disconnected.
    public var queueEvents = 256
    public var queueBytes = 262_144

    // [log]
    /// Event log file; empty disables it.
    public var logPath = "/var/log/moodd/moodd.log"
    public var logFormat = LogFormat.json
    public var logEvents: [LoggedEvent] = [.mood, .change, .source]

    // [history]
    /// Seconds of the past kept for `{"cmd":"history"}` (`HistoryRing`); 0 turns history off.
    public var historySeconds = 3600.0
    /// Seconds between kept `mood` samples: 30 s gives 120 points an hour, enough for a chart of the
    /// hour, and 40 KB of moods with the shipped model; changes are kept exactly whatever the step.
    public var historyStep = 30.0
    /// Most entries (changes, source events, samples) kept.
    public var historyMaxEntries = 1000

    // [mqtt] (docs/mqtt.md)
    /// The broker; empty: no MQTT.
    public var mqttHost = ""
    public var mqttPort = 1883
    public var mqttUsername = ""
    /// A file holding the password (never the password itself in the config).
    public var mqttPasswordFile = ""
    /// A CA file: connect with TLS, verifying the broker against it; empty: no TLS.
    public var mqttTLS = ""
    /// Empty: `moodd-<hostname>`.
    public var mqttClientID = ""
    public var mqttKeepalive = 30
    /// The station's root topic; empty: `moodd/<hostname>`.
    public var mqttTopic = ""
    /// Home Assistant's discovery prefix; empty: no discovery.
    public var mqttDiscoveryPrefix = "homeassistant"
    /// Seconds between periodic state messages (changes are published at once).
    public var mqttPublishInterval = 10.0

    // [http] (docs/web.md): moodd-web's page
    /// Where moodd-web listens; nil (empty in the file): no page.
    public var httpListen: HTTPListenAddress? = nil
    /// Largest upload `POST /api/classify` accepts, bytes.
    public var httpMaxUploadBytes = 50_000_000

    public init() {}

    /// The history ring these values describe.
    public var historySettings: HistoryRing.Settings {
        HistoryRing.Settings(seconds: historySeconds, step: historyStep, maxEntries: historyMaxEntries)
    }

    /// The tracker settings these values describe.
    public var trackerSettings: MoodTracker.Settings {
        MoodTracker.Settings(
            timeConstant: timeConstant, dwell: dwell, initialDwell: initialDwell,
            silenceThresholdDB: Float(silenceThresholdDB), contentEnterDwell: contentEnterDwell,
            contentLeaveDwell: contentLeaveDwell)
    }

    /// A problem with one key, or with the file as a whole.
    public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
        /// The file name as given to `parse`, or `command line`.
        public var origin: String
        public var line: Int?
        public var key: String?
        public var message: String

        public init(origin: String, line: Int?, key: String?, message: String) {
            self.origin = origin
            self.line = line
            self.key = key
            self.message = message
        }

        /// `moodd.conf:12: key 'smoothing.dwell': expected a number of seconds, got "ten"`
        public var description: String {
            var out = origin
            if let line { out += ":\(line)" }
            out += ": "
            if let key { out += "key '\(key)': " }
            return out + message
        }
    }

    /// Everything wrong with a file or a set of overrides, in file order.
    public struct Errors: Error, Sendable, Equatable, CustomStringConvertible {
        public var diagnostics: [Diagnostic]
        public init(diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
        public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
    }

    /// A loaded configuration and the warnings (unknown keys) it came with.
    public struct Loaded: Sendable, Equatable {
        public var config: Config
        public var warnings: [Diagnostic]
        /// The line each key was set on, for messages about a value found wrong later (a group that
        /// does not exist, a missing model file).
        public var lines: [String: Int]
        public init(config: Config, warnings: [Diagnostic], lines: [String: Int] = [:]) {
            self.config = config
            self.warnings = warnings
            self.lines = lines
        }
    }
}
