/// The table of configuration keys: each key's type, limits, default comment, and how it reads
/// and writes its `Config` property. Parsing, overrides, rendering and `config/moodd.conf` all
/// come from this one table, so a key cannot be known to one and missing from another.
extension Config {
    struct Setting {
        /// Full dotted key, `smoothing.dwell`.
        let key: String
        /// One line for `render(comments:)`.
        let comment: String
        /// Sets the property from a value; returns what is wrong with the value otherwise.
        let apply: (inout Config, TOMLValue) -> String?
        let value: (Config) -> TOMLValue
        /// Command-line values are taken as strings verbatim rather than read as TOML values.
        let isText: Bool

        var table: Substring { key[..<key.lastIndex(of: ".")!] }
        var name: Substring { key[key.index(after: key.lastIndex(of: ".")!)...] }
    }

    /// Every key, grouped by table in rendering order.
    static var settings: [Setting] {
        [
            source("audio.source", \.source,
                   "capture source: pulse[:SOURCE], alsa[:DEVICE], file[+loop][+unpaced]:PATH or stdin[:RATE:CHANNELS] (docs/sources.md)"),
            seconds("audio.stall_timeout", \.stallTimeout, atLeast: 0,
                    "seconds without samples before an open source is announced lost (reason \"stalled\"); 0 = never"),
            text("model.path", \.modelPath, "mood model file; empty = the shipped 4-quadrant model", allowEmpty: true),
            seconds("analysis.hop", \.hop, above: 0, "seconds between analyses of the latest window"),
            seconds("smoothing.time_constant", \.timeConstant, atLeast: 0, "EMA time constant of the probabilities, seconds; 0 = no smoothing"),
            seconds("smoothing.dwell", \.dwell, atLeast: 0, "seconds a new label must lead before it is announced"),
            seconds("smoothing.initial_dwell", \.initialDwell, atLeast: 0, "seconds a label must lead for the first announcement after start or silence (at most dwell)"),
            decibels("silence.threshold_db", \.silenceThresholdDB, "windows quieter than this RMS level (dBFS) are silence"),
            seconds("content.enter_dwell", \.contentEnterDwell, atLeast: 0,
                    "seconds music, speech or noise must lead before it is announced (models with a content head)"),
            seconds("content.leave_dwell", \.contentLeaveDwell, atLeast: 0,
                    "seconds speech or noise must lead before music (and its mood) is left"),
            text("socket.path", \.socketPath, "Unix socket for clients", maxBytes: 107),
            mode("socket.mode", \.socketMode, "permissions of the socket file, octal, as a string"),
            text("socket.group", \.socketGroup, "group owning the socket; empty = the daemon's group", allowEmpty: true),
            count("socket.max_clients", \.maxClients, 1...4096,
                  "connections beyond this are refused, unless a client that does not read gives its place up"),
            seconds("socket.unread_timeout", \.unreadTimeout, atLeast: 0,
                    "seconds a client may leave what was sent to it unread before it is disconnected; 0 = never"),
            count("socket.queue_events", \.queueEvents, 1...1_000_000, "events a client may fall behind before it is disconnected"),
            count("socket.queue_bytes", \.queueBytes, 4096...1 << 30, "bytes a client may fall behind before it is disconnected"),
            text("log.path", \.logPath, "event log file; empty = no log file", allowEmpty: true),
            choice("log.format", \.logFormat, "json: the socket's lines; text: one readable line per event"),
            events("log.events", \.logEvents, "which events to log: mood (every hop), change, source"),
            seconds("history.seconds", \.historySeconds, atLeast: 0, atMost: 86_400,
                    "seconds of changes, source events and mood samples kept for the history command; 0 = off"),
            seconds("history.step", \.historyStep, atLeast: 0, "seconds between kept mood samples; 0 = every analysis"),
            count("history.max_entries", \.historyMaxEntries, 1...20_000,
                  "most entries kept (besides 512 KiB of lines at most; 0.58 MiB worst case at 1000)"),
            text("mqtt.host", \.mqttHost, "MQTT broker (docs/mqtt.md); empty = no MQTT", allowEmpty: true),
            count("mqtt.port", \.mqttPort, 1...65535, "broker port (8883 is usual with tls)"),
            text("mqtt.username", \.mqttUsername, "user name; empty = anonymous", allowEmpty: true),
            text("mqtt.password_file", \.mqttPasswordFile, "file whose first line is the password (never the password here)", allowEmpty: true),
            text("mqtt.tls", \.mqttTLS, "CA file to verify the broker with over TLS; empty = no TLS", allowEmpty: true),
            text("mqtt.client_id", \.mqttClientID, "MQTT client id; empty = moodd-<hostname>", allowEmpty: true, maxBytes: 23 * 4),
            count("mqtt.keepalive", \.mqttKeepalive, 5...3600, "seconds between keepalive pings"),
            topic("mqtt.topic", \.mqttTopic, "the station's root topic; empty = moodd/<hostname>", allowEmpty: true),
            topic("mqtt.discovery_prefix", \.mqttDiscoveryPrefix, "Home Assistant's discovery prefix; empty = no discovery", allowEmpty: true),
            seconds("mqtt.publish_interval", \.mqttPublishInterval, above: 0, "seconds between periodic state messages (changes go at once)"),
            listen("http.listen", \.httpListen,
                   "moodd-web's address, HOST:PORT (docs/web.md); empty = no page; a LAN address lets anyone there see it"),
            count("http.max_upload_bytes", \.httpMaxUploadBytes, 1...2_000_000_000, "largest file the page's \"try a file\" accepts, bytes"),
        ]
    }

    private static func text(
        _ key: String, _ path: WritableKeyPath<Config, String>, _ comment: String,
        allowEmpty: Bool = false, maxBytes: Int? = nil
    ) -> Setting {
        Setting(
            key: key, comment: comment,
            apply: { config, value in
                switch checkedText(value, allowEmpty: allowEmpty, maxBytes: maxBytes) {
                case .success(let s): config[keyPath: path] = s; return nil
                case .failure(let problem): return problem.message
                }
            },
            value: { .string($0[keyPath: path]) }, isText: true)
    }

    /// An MQTT topic to publish under: no wildcard (`+`, `#`), no NUL, no empty level, not starting or
    /// ending with `/`.
    private static func topic(_ key: String, _ path: WritableKeyPath<Config, String>, _ comment: String, allowEmpty: Bool) -> Setting {
        Setting(
            key: key, comment: comment,
            apply: { config, value in
                switch checkedText(value, allowEmpty: allowEmpty, maxBytes: 1024) {
                case .success(let s):
                    if s.contains(where: { $0 == "+" || $0 == "#" || $0 == "\0" }) { return "an MQTT topic to publish to has no wildcard (+, #)" }
                    if !s.isEmpty, s.hasPrefix("/") || s.hasSuffix("/") || s.contains("//") {
                        return "an MQTT topic has no empty level (no leading, trailing or double /)"
                    }
                    config[keyPath: path] = s
                    return nil
                case .failure(let problem): return problem.message
                }
            },
            value: { .string($0[keyPath: path]) }, isText: true)
    }

    /// A source spec, parsed here once (`SourceSpec(parsing:)`); what is wrong with one that does not
    /// parse is `SourceSpecError`'s line. Rendered in its canonical form, which parses back the same.
    private static func source(_ key: String, _ path: WritableKeyPath<Config, SourceSpec>, _ comment: String) -> Setting {
        Setting(
            key: key, comment: comment,
            apply: { config, value in
                switch checkedText(value, allowEmpty: false, maxBytes: nil) {
                case .success(let s):
                    do throws(SourceSpecError) {
                        config[keyPath: path] = try SourceSpec(parsing: s)
                        return nil
                    } catch {
                        return error.description
                    }
                case .failure(let problem):
                    return problem.message
                }
            },
            value: { .string($0[keyPath: path].description) }, isText: true)
    }

    /// `HOST:PORT` (`HTTPListenAddress(parsing:)`), or empty for none.
    private static func listen(_ key: String, _ path: WritableKeyPath<Config, HTTPListenAddress?>, _ comment: String) -> Setting {
        Setting(
            key: key, comment: comment,
            apply: { config, value in
                switch checkedText(value, allowEmpty: true, maxBytes: 300) {
                case .success(let s):
                    if s.isEmpty { config[keyPath: path] = nil; return nil }
                    switch HTTPListenAddress.parse(s) {
                    case .success(let address): config[keyPath: path] = address; return nil
                    case .failure(let problem): return problem.message
                    }
                case .failure(let problem): return problem.message
                }
            },
            value: { .string($0[keyPath: path]?.description ?? "") }, isText: true)
    }

    private struct TextProblem: Error { var message: String }

    /// The checks every string key makes: a string, not empty (unless allowed), no control characters,
    /// at most `maxBytes` (a socket path).
    private static func checkedText(_ value: TOMLValue, allowEmpty: Bool, maxBytes: Int?) -> Result<String, TextProblem> {
        guard case .string(let s) = value else { return .failure(.init(message: "expected a string, got \(value.literal)")) }
        if s.isEmpty, !allowEmpty { return .failure(.init(message: "must not be empty")) }
        if s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return .failure(.init(message: "must not contain control characters, got \(value.literal)"))
        }
        if let maxBytes, s.utf8.count > maxBytes {
            return .failure(.init(message: "\(s.utf8.count) bytes long; a Unix socket path holds at most \(maxBytes)"))
        }
        return .success(s)
    }

    /// A number of seconds, `> above` or `>= atLeast`, and at most `atMost`; integers are accepted (`dwell = 10`).
    private static func seconds(
        _ key: String, _ path: WritableKeyPath<Config, Double>, above: Double? = nil, atLeast: Double? = nil,
        atMost: Double = 3600, _ comment: String
    ) -> Setting {
        Setting(
            key: key, comment: comment,
            apply: { config, value in
                guard let d = value.number, d.isFinite else { return "expected a number of seconds, got \(value.literal)" }
                if let above, !(d > above) { return "must be greater than \(TOMLValue.float(above).literal) seconds, got \(value.literal)" }
                if let atLeast, !(d >= atLeast) { return "must be at least \(TOMLValue.float(atLeast).literal) seconds, got \(value.literal)" }
                if d > atMost { return "must be at most \(TOMLValue.integer(Int(atMost)).literal) seconds, got \(value.literal)" }
                config[keyPath: path] = d
                return nil
            },
            value: { .float($0[keyPath: path]) }, isText: false)
    }

    private static func decibels(_ key: String, _ path: WritableKeyPath<Config, Double>, _ comment: String) -> Setting {
        Setting(
            key: key, comment: comment,
            apply: { config, value in
                guard let d = value.number, d.isFinite else { return "expected a level in dBFS, got \(value.literal)" }
                guard d <= 0 else { return "must be at most 0 dBFS (full scale), got \(value.literal)" }
                config[keyPath: path] = d
                return nil
            },
            value: { .float($0[keyPath: path]) }, isText: false)
    }

    private static func count(
        _ key: String, _ path: WritableKeyPath<Config, Int>, _ range: ClosedRange<Int>, _ comment: String
    ) -> Setting {
        Setting(
            key: key, comment: comment,
            apply: { config, value in
                guard case .integer(let i) = value else { return "expected an integer, got \(value.literal)" }
                guard range.contains(i) else {
                    return "must be between \(range.lowerBound) and \(range.upperBound), got \(value.literal)"
                }
                config[keyPath: path] = i
                return nil
            },
            value: { .integer($0[keyPath: path]) }, isText: false)
    }

    /// Permission bits as an octal string, `"0660"` or `"660"`: a bare `0660` is not octal in TOML.
    private static func mode(_ key: String, _ path: WritableKeyPath<Config, UInt32>, _ comment: String) -> Setting {
        Setting(
            key: key, comment: comment,
            apply: { config, value in
                guard case .string(let s) = value, (1...4).contains(s.count),
                    s.allSatisfy({ ("0"..."7").contains($0) }), let bits = UInt32(s, radix: 8)
                else { return "expected an octal mode as a string, like \"0660\", got \(value.literal)" }
                guard bits <= 0o777 else { return "must be at most \"0777\" (no setuid, setgid or sticky bits), got \(value.literal)" }
                config[keyPath: path] = bits
                return nil
            },
            value: { config in
                let digits = String(config[keyPath: path], radix: 8)
                return .string(String(repeating: "0", count: max(0, 4 - digits.count)) + digits)
            }, isText: true)
    }

    private static func choice(_ key: String, _ path: WritableKeyPath<Config, LogFormat>, _ comment: String) -> Setting {
        Setting(
            key: key, comment: comment,
            apply: { config, value in
                guard case .string(let s) = value, let format = LogFormat(rawValue: s) else {
                    let names = LogFormat.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
                    return "expected \(names), got \(value.literal)"
                }
                config[keyPath: path] = format
                return nil
            },
            value: { .string($0[keyPath: path].rawValue) }, isText: true)
    }

    /// An array of event names; a comma-separated string is accepted too (for the command line).
    private static func events(_ key: String, _ path: WritableKeyPath<Config, [LoggedEvent]>, _ comment: String) -> Setting {
        Setting(
            key: key, comment: comment,
            apply: { config, value in
                let names: [String]
                switch value {
                case .string(let s):
                    names = s.split(separator: ",", omittingEmptySubsequences: true).map {
                        String($0.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
                    }
                case .array(let elements):
                    var strings: [String] = []
                    for e in elements {
                        guard case .string(let s) = e else { return "expected an array of event names, got \(value.literal)" }
                        strings.append(s)
                    }
                    names = strings
                default:
                    return "expected an array of event names, got \(value.literal)"
                }
                var events: [LoggedEvent] = []
                for name in names {
                    guard let event = LoggedEvent(rawValue: name) else {
                        let known = LoggedEvent.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                        return "unknown event \"\(name)\" (known: \(known))"
                    }
                    if !events.contains(event) { events.append(event) }
                }
                config[keyPath: path] = events
                return nil
            },
            value: { .array($0[keyPath: path].map { .string($0.rawValue) }) }, isText: true)
    }
}

extension TOMLValue {
    /// Integers and floats as a `Double`; nil for anything else.
    var number: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .float(let d): d
        default: nil
        }
    }
}
