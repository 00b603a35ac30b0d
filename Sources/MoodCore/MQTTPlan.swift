/// What the daemon publishes to MQTT, and when (docs/mqtt.md): a pure state machine, fed the broker
/// connection's ups and downs, the hub's events and the clock, returning the messages to send.
///
/// - connected: `<topic>/availability` `online` (retained), the Home Assistant discovery configs
///   (retained; none when the prefix is empty), then the state (retained);
/// - a `change` or `source` event: the event's line on `<topic>/event` (not retained), and the state
///   at once;
/// - every `publishInterval` seconds while connected: the state;
/// - shutting down: `offline` (retained). The broker's last will says the same if the daemon dies.
public struct MQTTPlan: Sendable {
    public struct Message: Sendable, Equatable {
        public var topic: String
        public var payload: String
        public var retain: Bool

        public init(topic: String, payload: String, retain: Bool) {
            self.topic = topic
            self.payload = payload
            self.retain = retain
        }
    }

    public struct Settings: Sendable, Equatable {
        /// The station's root, `moodd/<hostname>`.
        public var topic: String
        /// Home Assistant's discovery prefix; empty: no discovery.
        public var discoveryPrefix: String
        public var publishInterval: Double
        /// The station's name in Home Assistant and its ids' stem (the hostname).
        public var station: String
        /// The model's mood labels (the mood sensor's options, with the daemon's states).
        public var labels: [String]
        public var version: String

        public init(topic: String, discoveryPrefix: String, publishInterval: Double, station: String, labels: [String], version: String) {
            self.topic = topic
            self.discoveryPrefix = discoveryPrefix
            self.publishInterval = publishInterval
            self.station = station
            self.labels = labels
            self.version = version
        }
    }

    public let settings: Settings
    private var connected = false
    private var lastState: Double?

    public init(_ settings: Settings) {
        self.settings = settings
    }

    public var availabilityTopic: String { settings.topic + "/availability" }
    public var stateTopic: String { settings.topic + "/state" }
    public var eventTopic: String { settings.topic + "/event" }

    /// The last will to register before connecting.
    public var lastWill: Message { Message(topic: availabilityTopic, payload: "offline", retain: true) }

    /// The broker accepted the connection (the first or a reconnection): everything retained again.
    public mutating func connected(state: MoodEvent.Snapshot, now: Double) -> [Message] {
        connected = true
        lastState = now
        return [Message(topic: availabilityTopic, payload: "online", retain: true)] + discovery() + [stateMessage(state)]
    }

    public mutating func disconnected() {
        connected = false
    }

    /// An event the hub published, with the state after it.
    public mutating func published(_ event: MoodEvent, line: String, state: @autoclosure () -> MoodEvent.Snapshot, now: Double) -> [Message] {
        guard connected else { return [] }
        switch event {
        case .change, .source:
            lastState = now
            return [Message(topic: eventTopic, payload: line, retain: false), stateMessage(state())]
        default:
            return tick(state: state(), now: now)
        }
    }

    /// The periodic state, when `publishInterval` has passed since the last one.
    public mutating func tick(state: @autoclosure () -> MoodEvent.Snapshot, now: Double) -> [Message] {
        guard connected, let last = lastState, now - last >= settings.publishInterval else { return [] }
        lastState = now
        return [stateMessage(state())]
    }

    /// When the next periodic state is due (seconds on the clock of `now`); nil while not connected.
    /// The shell wakes up then, so states come every `publishInterval`, whatever else wakes it between.
    public var nextTick: Double? {
        guard connected, let last = lastState else { return nil }
        return last + settings.publishInterval
    }

    /// Graceful shutdown: the station goes offline (retained).
    public mutating func shuttingDown() -> [Message] {
        connected = false
        return [Message(topic: availabilityTopic, payload: "offline", retain: true)]
    }

    /// `<topic>/state`: `{"label","confidence","valence","arousal","content","since","source"}`.
    public func stateMessage(_ s: MoodEvent.Snapshot) -> Message {
        var members: [JSONValue.Member] = [
            .init("label", .string(s.label.name)),
            .init("confidence", .number(Double(s.confidence))),
            .init("valence", s.valence.map { .number(Double($0)) } ?? .null),
            .init("arousal", s.arousal.map { .number(Double($0)) } ?? .null),
        ]
        if let content = s.content {
            members.append(.init("content", .object(zip(content.labels, content.values).map { .init($0, .number(Double($1))) })))
        }
        members.append(.init("music", .string(s.label.isMood ? "ON" : "OFF")))  // a mood is claimed only for music
        members.append(.init("since", s.since.map { .string($0.rfc3339) } ?? .null))
        members.append(.init("source", .string(s.source.state?.rawValue ?? "starting")))
        return Message(topic: stateTopic, payload: JSONValue.object(members).encoded(), retain: true)
    }

    /// Home Assistant MQTT discovery: one device per station; sensors for the mood (an enum of the
    /// model's labels and the daemon's states), valence, arousal and confidence, and a binary sensor
    /// "music playing", all reading `<topic>/state` and available while `<topic>/availability` is online.
    public func discovery() -> [Message] {
        guard !settings.discoveryPrefix.isEmpty else { return [] }
        let id = "moodd_" + Self.idSafe(settings.station)  // in unique ids and topics: never to change
        let entityStem = "moodd_" + Self.entityIDSafe(settings.station)
        let device = JSONValue.object([
            .init("identifiers", .array([.string(id)])),
            .init("name", .string("moodd " + settings.station)),
            .init("manufacturer", .string("moodd")),
            .init("model", .string("music mood station")),
            .init("sw_version", .string(settings.version)),
        ])
        func config(_ component: String, _ key: String, _ name: String, _ extra: [JSONValue.Member]) -> Message {
            let members: [JSONValue.Member] = [
                .init("name", .string(name)),
                .init("unique_id", .string(id + "_" + key)),
                .init("default_entity_id", .string(component + "." + entityStem + "_" + key)),
                .init("state_topic", .string(stateTopic)),
                .init("availability_topic", .string(availabilityTopic)),
                .init("payload_available", .string("online")),
                .init("payload_not_available", .string("offline")),
                .init("device", device),
            ] + extra
            return Message(topic: "\(settings.discoveryPrefix)/\(component)/\(id)/\(key)/config",
                           payload: JSONValue.object(members).encoded(), retain: true)
        }
        let options = settings.labels + MoodState.states.map(\.name)
        return [
            config("sensor", "mood", "Mood", [
                .init("value_template", .string("{{ value_json.label }}")),
                .init("device_class", .string("enum")),
                .init("options", .array(options.map { .string($0) })),
                .init("icon", .string("mdi:music-note")),
            ]),
            config("sensor", "valence", "Valence", [
                .init("value_template", .string("{{ value_json.valence }}")),
                .init("state_class", .string("measurement")),
            ]),
            config("sensor", "arousal", "Arousal", [
                .init("value_template", .string("{{ value_json.arousal }}")),
                .init("state_class", .string("measurement")),
            ]),
            config("sensor", "confidence", "Confidence", [
                .init("value_template", .string("{{ value_json.confidence }}")),
                .init("state_class", .string("measurement")),
            ]),
            config("binary_sensor", "music", "Music", [
                .init("value_template", .string("{{ value_json.music }}")),
                .init("payload_on", .string("ON")),
                .init("payload_off", .string("OFF")),
                .init("icon", .string("mdi:music")),
            ]),
        ]
    }

    /// Home Assistant entity ids (`valid_entity_id`): `[a-z0-9_]`, lower case, no `__`, no `_` at either end.
    public static func entityIDSafe(_ s: String) -> String {
        let mapped = s.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" }
        return String(mapped).split(separator: "_").joined(separator: "_")
    }

    /// Home Assistant ids: `[a-zA-Z0-9_-]`, everything else `_`.
    public static func idSafe(_ s: String) -> String {
        String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : "_" })
    }
}

