/// The wire encoding of events: one JSON object per line, keys in the fixed order `docs/protocol.md`
/// lists, so equal events encode to equal bytes (tests and log diffs rely on it).
///
/// Probabilities, confidence, valence and arousal are written with at most 4 decimals and levels
/// with 1: more digits are noise from a model's Float arithmetic, and every mood line is written to
/// the log every hop. Non-finite numbers become `null`.
extension MoodEvent {
    static let probabilityDecimals = 4
    static let levelDecimals = 1
    /// Durations (`hop`, history's `seconds` and `step`): milliseconds, the resolution of `time`.
    static let secondsDecimals = 3

    /// The event as one line of JSON, newline included.
    public func jsonLine() -> [UInt8] {
        var w = JSONWriter(capacity: 384)
        encode(into: &w)
        w.bytes.append(UInt8(ascii: "\n"))
        return w.bytes
    }

    /// The event as JSON text without the newline.
    public var json: String {
        var w = JSONWriter(capacity: 384)
        encode(into: &w)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    func encode(into w: inout JSONWriter) {
        w.raw("{")
        w.key("event")
        w.string(name)
        switch self {
        case .hello(let h):
            w.comma(); w.key("protocol"); w.integer(h.protocolVersion)
            w.comma(); w.key("version"); w.string(h.version)
            w.comma(); w.key("model"); w.string(h.model)
            w.comma(); w.key("labels"); w.raw("[")
            for (i, label) in h.labels.enumerated() {
                if i > 0 { w.comma() }
                w.string(label)
            }
            w.raw("]")
            w.comma(); w.key("content_labels")
            if let content = h.contentLabels {
                w.raw("[")
                for (i, label) in content.enumerated() {
                    if i > 0 { w.comma() }
                    w.string(label)
                }
                w.raw("]")
            } else {
                w.null()
            }
            w.comma(); w.key("hop"); w.number(h.hop, decimals: Self.secondsDecimals)
        case .state(let s), .status(let s):
            w.comma(); w.key("time"); w.timestamp(s.time)
            w.comma(); w.key("label"); w.string(s.label.name)
            w.comma(); w.key("confidence"); w.number(s.confidence, decimals: Self.probabilityDecimals)
            w.comma(); w.key("probabilities"); w.distribution(s.probabilities)
            w.comma(); w.key("content"); w.distribution(s.content)
            w.comma(); w.key("valence"); w.probability(s.valence)
            w.comma(); w.key("arousal"); w.probability(s.arousal)
            w.comma(); w.key("since")
            if let since = s.since { w.timestamp(since) } else { w.null() }
            w.comma(); w.key("source"); w.source(s.source)
            w.comma(); w.key("counters"); w.raw("{")
            w.key("analyses"); w.integer(s.counters.analyses)
            w.comma(); w.key("overruns"); w.integer(s.counters.overruns)
            w.comma(); w.key("lost_frames"); w.integer(s.counters.lostFrames)
            w.comma(); w.key("clients"); w.integer(s.counters.clients)
            w.raw("}")
            w.comma(); w.key("mqtt")
            if let m = s.mqtt {
                w.raw("{")
                w.key("connected"); w.bool(m.connected)
                w.comma(); w.key("dropped"); w.integer(m.dropped)
                w.comma(); w.key("reconnects"); w.integer(m.reconnects)
                w.raw("}")
            } else {
                w.null()
            }
        case .mood(let m):
            w.comma(); w.key("time"); w.timestamp(m.time)
            w.comma(); w.key("label"); w.string(m.label.name)
            w.comma(); w.key("confidence"); w.number(m.confidence, decimals: Self.probabilityDecimals)
            w.comma(); w.key("probabilities"); w.distribution(m.probabilities)
            w.comma(); w.key("content"); w.distribution(m.content)
            w.comma(); w.key("raw"); w.distribution(m.raw)
            w.comma(); w.key("valence"); w.probability(m.valence)
            w.comma(); w.key("arousal"); w.probability(m.arousal)
            w.comma(); w.key("level_db")
            if let level = m.levelDB { w.number(level, decimals: Self.levelDecimals) } else { w.null() }
        case .change(let c):
            w.comma(); w.key("from"); w.string(c.from.name)
            w.comma(); w.key("to"); w.string(c.to.name)
            w.comma(); w.key("time"); w.timestamp(c.time)
        case .source(let s):
            w.comma(); w.key("time"); w.timestamp(s.time)
            w.comma(); w.key("source"); w.source(s.status)
            w.comma(); w.key("overruns"); w.integer(s.overruns)
            w.comma(); w.key("lost_frames"); w.integer(s.lostFrames)
        case .error(let message):
            w.comma(); w.key("error"); w.string(message)
        case .history(let h):
            // `HistoryRing.reply` writes the same bytes from the lines it kept.
            w.comma(); w.key("time"); w.timestamp(h.time)
            w.comma(); w.key("seconds"); w.number(h.seconds, decimals: Self.secondsDecimals)
            w.comma(); w.key("step"); w.number(h.step, decimals: Self.secondsDecimals)
            w.comma(); w.key("from"); w.timestamp(h.from)
            w.comma(); w.key("events"); w.raw("[")
            for (i, event) in h.events.enumerated() {
                if i > 0 { w.comma() }
                event.encode(into: &w)
            }
            w.raw("]")
        }
        w.raw("}")
    }
}

extension JSONWriter {
    /// The `source` object, one shape wherever it appears: `{"name":...,"state":...,"reason":...}`.
    fileprivate mutating func source(_ s: MoodEvent.SourceStatus) {
        raw("{")
        key("name"); string(s.name)
        comma(); key("state")
        if let state = s.state { string(state.rawValue) } else { null() }
        comma(); key("reason")
        if let reason = s.reason { string(reason) } else { null() }
        raw("}")
    }

    fileprivate mutating func probability(_ value: Float?) {
        if let value { number(value, decimals: MoodEvent.probabilityDecimals) } else { null() }
    }

    fileprivate mutating func distribution(_ d: Distribution?) {
        guard let d else { return null() }
        raw("{")
        for i in d.labels.indices {
            if i > 0 { comma() }
            string(d.labels[i])
            raw(":")
            number(d.values[i], decimals: MoodEvent.probabilityDecimals)
        }
        raw("}")
    }
}
