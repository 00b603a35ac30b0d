/// The client direction: `moodctl` and tests turn event lines back into `MoodEvent`s.
///
/// Lenient where the protocol's versioning rules ask clients to be (unknown keys are ignored; a
/// missing nullable key reads as null) and strict about what a field means (a `time` that is not
/// RFC 3339, a count that is not an integer). An unknown `event` name is reported with
/// `isUnknownEvent` so a client can skip events added by a later daemon.
extension MoodEvent {
    public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        /// The line is a well-formed event this version does not know: skip it.
        public var isUnknownEvent: Bool

        public init(description: String, isUnknownEvent: Bool = false) {
            self.description = description
            self.isUnknownEvent = isUnknownEvent
        }
    }

    public init(json: String) throws(DecodingError) {
        try self.init(jsonLine: Array(json.utf8))
    }

    /// Decodes one line (a trailing newline is allowed).
    public init(jsonLine: some Collection<UInt8>) throws(DecodingError) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(jsonLine)
        } catch {
            throw DecodingError(description: "malformed JSON: \(error)")
        }
        try self.init(value: value)
    }

    /// Decodes a parsed event (also each of a `history` event's `events`).
    public init(value: JSONValue) throws(DecodingError) {
        guard case .object = value else { throw DecodingError(description: "an event must be a JSON object") }
        guard let name = value["event"]?.stringValue else {
            throw DecodingError(description: "missing the \"event\" string")
        }
        let f = Fields(object: value, event: name)
        switch name {
        case "hello":
            self = .hello(Hello(
                protocolVersion: try f.integer("protocol"), version: try f.string("version"), model: try f.string("model"),
                labels: try f.strings("labels"), contentLabels: try f.optionalStrings("content_labels"),
                hop: try f.double("hop")))
        case "state", "status":
            let source = try f.object("source")
            let counters = try f.object("counters")
            let snapshot = Snapshot(
                time: try f.time("time"), label: MoodState(name: try f.string("label")),
                confidence: try f.float("confidence"), probabilities: try f.distribution("probabilities"),
                content: try f.distribution("content"),
                valence: try f.optionalFloat("valence"), arousal: try f.optionalFloat("arousal"),
                since: try f.optionalTime("since"),
                source: try source.sourceStatus(),
                counters: Counters(
                    analyses: try counters.integer("analyses"), overruns: try counters.integer("overruns"),
                    lostFrames: try counters.integer("lost_frames"), clients: try counters.integer("clients")),
                mqtt: try f.present("mqtt").map { _ throws(DecodingError) in try f.object("mqtt").mqttStatus() })
            self = name == "state" ? .state(snapshot) : .status(snapshot)
        case "mood":
            self = .mood(Mood(
                time: try f.time("time"), label: MoodState(name: try f.string("label")),
                confidence: try f.float("confidence"), probabilities: try f.distribution("probabilities"),
                content: try f.distribution("content"), raw: try f.distribution("raw"), valence: try f.optionalFloat("valence"),
                arousal: try f.optionalFloat("arousal"), levelDB: try f.optionalFloat("level_db")))
        case "change":
            self = .change(Change(
                from: MoodState(name: try f.string("from")), to: MoodState(name: try f.string("to")),
                time: try f.time("time")))
        case "source":
            let status = try f.object("source").sourceStatus()
            guard let state = status.state else { throw f.fail("source", "a source object whose state is not null") }
            self = .source(Source(
                state: state, source: status.name,
                overruns: try f.integer("overruns"), lostFrames: try f.integer("lost_frames"),
                time: try f.time("time"), reason: status.reason))
        case "error":
            self = .error(try f.string("error"))
        case "history":
            guard case .array(let elements) = value["events"] else { throw f.fail("events", "an array of events") }
            var events: [MoodEvent] = []
            for element in elements {
                do {
                    events.append(try MoodEvent(value: element))
                } catch where error.isUnknownEvent {
                    continue  // a later daemon's event kind: skipped, as in the stream
                } catch {
                    throw DecodingError(description: "'history' event: in 'events': \(error.description)")
                }
            }
            self = .history(History(
                time: try f.time("time"), seconds: try f.double("seconds"), step: try f.double("step"),
                from: try f.time("from"), events: events))
        default:
            throw DecodingError(description: "unknown event '\(name)'", isUnknownEvent: true)
        }
    }
}

/// Typed access to an event's fields, with errors that name the event and the key.
private struct Fields {
    let object: JSONValue
    let event: String

    func fail(_ key: String, _ expected: String) -> MoodEvent.DecodingError {
        MoodEvent.DecodingError(description: "'\(event)' event: key '\(key)': expected \(expected)")
    }

    /// The value, or nil when missing or null.
    func present(_ key: String) -> JSONValue? {
        guard let v = object[key], v != .null else { return nil }
        return v
    }

    func string(_ key: String) throws(MoodEvent.DecodingError) -> String {
        guard let s = object[key]?.stringValue else { throw fail(key, "a string") }
        return s
    }

    func optionalString(_ key: String) throws(MoodEvent.DecodingError) -> String? {
        guard let v = present(key) else { return nil }
        guard let s = v.stringValue else { throw fail(key, "a string or null") }
        return s
    }

    func integer(_ key: String) throws(MoodEvent.DecodingError) -> Int {
        guard let d = object[key]?.doubleValue, let i = Int(exactly: d) else { throw fail(key, "an integer") }
        return i
    }

    func double(_ key: String) throws(MoodEvent.DecodingError) -> Double {
        guard let d = object[key]?.doubleValue else { throw fail(key, "a number") }
        return d
    }

    func float(_ key: String) throws(MoodEvent.DecodingError) -> Float {
        guard let d = object[key]?.doubleValue else { throw fail(key, "a number") }
        return Float(d)
    }

    func optionalFloat(_ key: String) throws(MoodEvent.DecodingError) -> Float? {
        guard let v = present(key) else { return nil }
        guard let d = v.doubleValue else { throw fail(key, "a number or null") }
        return Float(d)
    }

    func time(_ key: String) throws(MoodEvent.DecodingError) -> Timestamp {
        guard let s = object[key]?.stringValue, let t = Timestamp(rfc3339: s) else {
            throw fail(key, "an RFC 3339 time")
        }
        return t
    }

    func optionalTime(_ key: String) throws(MoodEvent.DecodingError) -> Timestamp? {
        guard present(key) != nil else { return nil }
        return try time(key)
    }

    func strings(_ key: String) throws(MoodEvent.DecodingError) -> [String] {
        guard case .array(let elements) = object[key] else { throw fail(key, "an array of strings") }
        var out: [String] = []
        for e in elements {
            guard let s = e.stringValue else { throw fail(key, "an array of strings") }
            out.append(s)
        }
        return out
    }

    func optionalStrings(_ key: String) throws(MoodEvent.DecodingError) -> [String]? {
        guard present(key) != nil else { return nil }
        return try strings(key)
    }

    func object(_ key: String) throws(MoodEvent.DecodingError) -> Fields {
        guard let v = object[key], case .object = v else { throw fail(key, "an object") }
        return Fields(object: v, event: event)
    }

    func distribution(_ key: String) throws(MoodEvent.DecodingError) -> Distribution? {
        guard let v = present(key) else { return nil }
        guard case .object(let members) = v else { throw fail(key, "an object of label: probability") }
        var labels: [String] = []
        var values: [Float] = []
        for m in members {
            // null stands for a non-finite value the daemon refused to write; it comes back as NaN.
            guard let d = m.value.doubleValue ?? (m.value.isNull ? .nan : nil) else {
                throw fail(key, "an object of label: probability")
            }
            labels.append(m.key)
            values.append(Float(d))
        }
        return Distribution(labels: labels, values: values)
    }

    /// This object as a `source` object: `{"name":...,"state":...,"reason":...}`.
    func sourceStatus() throws(MoodEvent.DecodingError) -> MoodEvent.SourceStatus {
        MoodEvent.SourceStatus(
            name: try string("name"),
            state: try optionalString("state").map { s throws(MoodEvent.DecodingError) in try sourceState(s) },
            reason: try optionalString("reason"))
    }

    /// This object as the snapshot's `mqtt` object: `{"connected":...,"dropped":...,"reconnects":...}`.
    func mqttStatus() throws(MoodEvent.DecodingError) -> MoodEvent.MQTTStatus {
        guard case .bool(let connected)? = object["connected"] else { throw fail("connected", "true or false") }
        return MoodEvent.MQTTStatus(connected: connected, dropped: try integer("dropped"), reconnects: try integer("reconnects"))
    }

    func sourceState(_ s: String) throws(MoodEvent.DecodingError) -> MoodEvent.SourceState {
        guard let state = MoodEvent.SourceState(rawValue: s) else {
            throw MoodEvent.DecodingError(description: "'\(event)' event: unknown source state '\(s)'")
        }
        return state
    }
}
