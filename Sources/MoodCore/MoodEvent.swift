/// One line of the event stream, protocol version 3 (`docs/protocol.md`).
///
/// The daemon builds these (the `MoodTracker` makes `mood` and `change`; the shell makes the rest) and
/// encodes them with `jsonLine()`; `moodctl` decodes them with `MoodEvent(jsonLine:)`.
public enum MoodEvent: Sendable, Equatable {
    /// First line on every connection.
    case hello(Hello)
    /// The snapshot sent after `hello`.
    case state(Snapshot)
    /// The reply to `{"cmd":"status"}`: the same snapshot under another name.
    case status(Snapshot)
    /// One per analysis.
    case mood(Mood)
    /// The announced state changed.
    case change(Change)
    /// The audio source started, was lost, recovered or ended.
    case source(Source)
    /// A client command could not be served, or the connection is being closed; free text.
    case error(String)
    /// The reply to `{"cmd":"history"}`: the kept past (`HistoryRing`).
    case history(History)

    /// The protocol version in `hello`. Bumped only for changes an old client would misread (see the doc):
    /// 2 added the `speech` and `noise` states (a `label` that is no mood) and the `content` key; 3 made
    /// `source` one object everywhere (`{"name","state","reason"}`), moving the `source` event's keys.
    public static let protocolVersion = 3

    /// The `event` field.
    public var name: String {
        switch self {
        case .hello: "hello"
        case .state: "state"
        case .status: "status"
        case .mood: "mood"
        case .change: "change"
        case .source: "source"
        case .error: "error"
        case .history: "history"
        }
    }

    public struct Hello: Sendable, Equatable {
        public var protocolVersion: Int
        /// The daemon's version, `MooddVersion.string`.
        public var version: String
        /// The model's name (its file's base name or declared name).
        public var model: String
        public var labels: [String]
        /// `ContentKind.labels` when the model has a content head (so `speech` and `noise` can happen); nil otherwise.
        public var contentLabels: [String]?
        /// Seconds between analyses (`analysis.hop`): one `mood` event per hop.
        public var hop: Double

        public init(
            protocolVersion: Int = MoodEvent.protocolVersion, version: String = MooddVersion.string, model: String,
            labels: [String], contentLabels: [String]? = nil, hop: Double
        ) {
            self.protocolVersion = protocolVersion
            self.version = version
            self.model = model
            self.labels = labels
            self.contentLabels = contentLabels
            self.hop = hop
        }
    }

    public struct Mood: Sendable, Equatable {
        public var time: Timestamp
        /// The announced state after this analysis.
        public var label: MoodState
        /// Smoothed probability of the announced label; 0 while `listening` or in `silence`.
        public var confidence: Float
        /// Smoothed distribution; nil in silence (the smoother is reset there), speech and noise.
        public var probabilities: Distribution?
        /// Smoothed content distribution (music, speech, noise); nil without a content head and in silence.
        public var content: Distribution?
        /// The model's output for this window; nil if the shell skipped inference for a silent window.
        public var raw: Distribution?
        /// -1...1, from the smoothed distribution; nil in silence or for labels without axes.
        public var valence: Float?
        public var arousal: Float?
        /// RMS level of the analysed window, dBFS; nil (JSON `null`) for digital silence (-inf).
        public var levelDB: Float?

        public init(
            time: Timestamp, label: MoodState, confidence: Float, probabilities: Distribution?,
            content: Distribution? = nil, raw: Distribution?, valence: Float?, arousal: Float?, levelDB: Float?
        ) {
            self.time = time
            self.label = label
            self.confidence = confidence
            self.probabilities = probabilities
            self.content = content
            self.raw = raw
            self.valence = valence
            self.arousal = arousal
            self.levelDB = levelDB
        }
    }

    public struct Change: Sendable, Equatable {
        public var from: MoodState
        public var to: MoodState
        public var time: Timestamp

        public init(from: MoodState, to: MoodState, time: Timestamp) {
            self.from = from
            self.to = to
            self.time = time
        }
    }

    public enum SourceState: String, Sendable, Equatable, CaseIterable {
        case started, lost, recovered, ended
    }

    public struct Source: Sendable, Equatable {
        public var state: SourceState
        /// The configured source, e.g. `pulse:@DEFAULT_MONITOR@`.
        public var source: String
        /// Samples the capture ring dropped because analysis fell behind, since start.
        public var overruns: Int
        /// Frames the device lost (xruns, gaps on recovery), since start.
        public var lostFrames: Int
        public var time: Timestamp
        /// Why the source was lost or ended (the device's error), if known.
        public var reason: String?

        public init(
            state: SourceState, source: String, overruns: Int, lostFrames: Int, time: Timestamp,
            reason: String? = nil
        ) {
            self.state = state
            self.source = source
            self.overruns = overruns
            self.lostFrames = lostFrames
            self.time = time
            self.reason = reason
        }

        /// The `source` object of this event, as `state` and `status` carry it too.
        public var status: SourceStatus { SourceStatus(name: source, state: state, reason: reason) }
    }

    /// Everything a client needs to catch up: the `state` event and the `status` reply.
    public struct Snapshot: Sendable, Equatable {
        public var time: Timestamp
        public var label: MoodState
        public var confidence: Float
        public var probabilities: Distribution?
        /// As in `Mood`.
        public var content: Distribution?
        public var valence: Float?
        public var arousal: Float?
        /// When the announced state last changed; nil before the first analysis.
        public var since: Timestamp?
        public var source: SourceStatus
        public var counters: Counters
        /// The MQTT publisher's health; nil when MQTT is off (`mqtt.host` empty).
        public var mqtt: MQTTStatus?

        public init(
            time: Timestamp, label: MoodState, confidence: Float, probabilities: Distribution?,
            content: Distribution? = nil, valence: Float?, arousal: Float?, since: Timestamp?, source: SourceStatus,
            counters: Counters, mqtt: MQTTStatus? = nil
        ) {
            self.time = time
            self.label = label
            self.confidence = confidence
            self.probabilities = probabilities
            self.content = content
            self.valence = valence
            self.arousal = arousal
            self.since = since
            self.source = source
            self.counters = counters
            self.mqtt = mqtt
        }
    }

    /// The `source` object, the same in `source` events, `state`, `status` and history.
    public struct SourceStatus: Sendable, Equatable {
        public var name: String
        /// The last `source` event's state; nil before the source first started.
        public var state: SourceState?
        /// Why it was lost or ended (the device's words, `stalled`), if known; nil otherwise.
        public var reason: String?

        public init(name: String, state: SourceState?, reason: String? = nil) {
            self.name = name
            self.state = state
            self.reason = reason
        }
    }

    /// The kept past (`HistoryRing.reply`): `change` and `source` events and `mood` samples.
    public struct History: Sendable, Equatable {
        /// When the reply was made.
        public var time: Timestamp
        /// The period covered, seconds: as asked, or what is kept (`history.seconds`) if that is less.
        public var seconds: Double
        /// Seconds between `mood` samples (`history.step`).
        public var step: Double
        /// `events` holds every `change` and `source` event from this time on.
        public var from: Timestamp
        /// Oldest first.
        public var events: [MoodEvent]

        public init(time: Timestamp, seconds: Double, step: Double, from: Timestamp, events: [MoodEvent]) {
            self.time = time
            self.seconds = seconds
            self.step = step
            self.from = from
            self.events = events
        }
    }

    /// Totals since the daemon started.
    public struct Counters: Sendable, Equatable {
        public var analyses: Int
        public var overruns: Int
        public var lostFrames: Int
        /// Connected clients, this one included.
        public var clients: Int

        public init(analyses: Int = 0, overruns: Int = 0, lostFrames: Int = 0, clients: Int = 0) {
            self.analyses = analyses
            self.overruns = overruns
            self.lostFrames = lostFrames
            self.clients = clients
        }
    }

    /// The MQTT publisher (docs/mqtt.md), as `state` and `status` report it: totals since the daemon started.
    public struct MQTTStatus: Sendable, Equatable {
        /// The broker has accepted the connection and it has not been lost since.
        public var connected: Bool
        /// Messages for the broker that were dropped because it did not keep up: events that fell off
        /// the full queue (the oldest first) and messages refused while 64 were still on their way.
        public var dropped: Int
        /// Connections after the first (the broker restarted, the network came back).
        public var reconnects: Int

        public init(connected: Bool, dropped: Int = 0, reconnects: Int = 0) {
            self.connected = connected
            self.dropped = dropped
            self.reconnects = reconnects
        }
    }
}
