/// From per-window model outputs to announced moods: silence gating, what kind of sound plays
/// (with a content head), smoothing and hysteresis, as a value-type state machine that returns the
/// events to publish. The analysis shell feeds it one `Observation` per hop and publishes what comes
/// back, in order.
///
/// States and transitions (each transition is a `change` event):
///
///     listening --content is music and a label led for initialDwell--> label
///     label     --another label led for dwell--------------------------> other label
///     any       --one window below threshold---------------------------> silence   (both smoothers reset)
///     silence   --one window at/above threshold------------------------> listening (then as from the start)
///     any       --reset(at:) (source lost/ended)-----------------------> listening (both smoothers reset)
///
/// and, only with a content head (`ContentTracker` decides the kind; without one every window is
/// music and these never happen):
///
///     listening, label --content becomes speech / noise--> speech / noise  (mood smoother reset)
///     speech <-------------content switches--------------> noise
///     speech, noise    --content becomes music-----------> label if one led for initialDwell,
///                                                          else listening
///
/// Silence resets the smoother rather than freezing it: silence is usually the gap between tracks,
/// and carrying the last track's mood into the next would make the hysteresis hold a stale label for
/// `dwell` seconds against the new music. One window below the threshold is enough: a window is 3 s
/// long, so it already takes 3 s of near silence (a fade-out) to get there, and a mood claimed for
/// silence is wrong straight away. Leaving music for speech or noise resets the mood smoother for the
/// same reason, and only windows whose own content argmax is music feed it, so talking over a track
/// neither breaks its mood (content must leave music first, `ContentTracker`) nor drags it.
///
/// Leadership is judged on the smoothed distribution: the leader is its argmax, ties going to the
/// announced label (then to the lower index). A challenger's time is counted from the first analysis
/// at which it led; any analysis at which it does not lead starts the count again. While the content
/// is not (yet) music the count runs on the music windows, so music that returns after speech can be
/// announced with its mood at once.
public struct MoodTracker: Sendable {
    public struct Settings: Sendable, Equatable {
        /// EMA time constant, seconds (`smoothing.time_constant`); the content's too.
        public var timeConstant: Double
        /// How long a new label must lead before it replaces the announced one, seconds (`smoothing.dwell`).
        public var dwell: Double
        /// How long a label must lead before the first announcement (from `listening`), seconds
        /// (`smoothing.initial_dwell`); the effective value is `min(initialDwell, dwell)`.
        ///
        /// Shorter than `dwell` because there is nothing to protect yet: a wrong first label costs one
        /// later `change`, while waiting the full dwell leaves clients with no mood at all for 10 s after
        /// every start and every silence. The default 3 s is three analyses at the default hop, enough
        /// for a leader that is not one window's fluke.
        public var initialDwell: Double
        /// Windows whose RMS level is below this are silence, dBFS (`silence.threshold_db`).
        public var silenceThresholdDB: Float
        /// How long a kind of content must lead to be entered, seconds (`content.enter_dwell`).
        public var contentEnterDwell: Double
        /// How long other kinds must lead before music is left, seconds (`content.leave_dwell`).
        public var contentLeaveDwell: Double

        public init(
            timeConstant: Double = 3, dwell: Double = 10, initialDwell: Double = 3, silenceThresholdDB: Float = -50,
            contentEnterDwell: Double = 3, contentLeaveDwell: Double = 6
        ) {
            self.timeConstant = timeConstant
            self.dwell = dwell
            self.initialDwell = initialDwell
            self.silenceThresholdDB = silenceThresholdDB
            self.contentEnterDwell = contentEnterDwell
            self.contentLeaveDwell = contentLeaveDwell
        }

        var content: ContentTracker.Settings {
            .init(timeConstant: timeConstant, enterDwell: contentEnterDwell, leaveDwell: contentLeaveDwell)
        }
    }

    /// One analysed window.
    public struct Observation: Sendable, Equatable {
        /// Monotonic time of the window's end, seconds (`CLOCK_MONOTONIC`): drives smoothing and dwell,
        /// immune to wall-clock steps.
        public var time: Double
        /// Wall-clock time for the events.
        public var wallTime: Timestamp
        /// RMS level of the window, dBFS; -inf for digital silence.
        public var levelDB: Float
        /// The model's probabilities, one per label; nil when the shell skipped inference because
        /// `isSilent(levelDB:)` said so. A loud window without them changes nothing but the level.
        public var raw: [Float]?
        /// The content head's probabilities (music, speech, noise), with `raw`, when the tracker has
        /// a content head.
        public var content: [Float]?

        public init(time: Double, wallTime: Timestamp, levelDB: Float, raw: [Float]?, content: [Float]? = nil) {
            self.time = time
            self.wallTime = wallTime
            self.levelDB = levelDB
            self.raw = raw
            self.content = content
        }
    }

    public let labels: MoodLabels
    public let settings: Settings
    var smoother: MoodSmoother
    /// nil without a content head.
    var content: ContentTracker?
    /// The announced state.
    public private(set) var state: MoodState = .listening
    /// The label leading against the announced state, and the monotonic time it started leading.
    private var challenger: (index: Int, since: Double)?
    /// Wall time of the last change; nil before the first observation.
    public private(set) var since: Timestamp?

    /// - Parameter hasContentHead: observations carry `content` and the tracker announces `speech`
    ///   and `noise`.
    public init(labels: MoodLabels, settings: Settings, hasContentHead: Bool = false) {
        precondition(settings.dwell >= 0 && settings.initialDwell >= 0, "dwell times must be >= 0")
        self.labels = labels
        self.settings = settings
        self.smoother = MoodSmoother(timeConstant: settings.timeConstant)
        self.content = hasContentHead ? ContentTracker(settings: settings.content) : nil
    }

    public var hasContentHead: Bool { content != nil }

    /// The smoothed mood distribution, nil at start, in silence and while `speech` or `noise` is announced.
    public var probabilities: [Float]? {
        state == .speech || state == .noise ? nil : smoother.probabilities
    }

    /// The smoothed content distribution (music, speech, noise); nil without a content head, at start
    /// and in silence.
    public var contentProbabilities: [Float]? { content?.probabilities }

    /// Smoothed probability of the announced label; 0 in every other state.
    public var confidence: Float {
        guard case .label(let name) = state, let i = labels.index(of: name), let p = smoother.probabilities else { return 0 }
        return p[i]
    }

    /// Whether a window at this level counts as silence (NaN counts: no level, no music).
    /// The shell may skip inference for such windows.
    public func isSilent(levelDB: Float) -> Bool {
        !(levelDB >= settings.silenceThresholdDB)
    }

    /// Feeds one analysed window; returns the `change` events it caused (at most two: silence ->
    /// listening -> label when `initialDwell` is 0) followed by its `mood` event.
    public mutating func update(_ observation: Observation) -> [MoodEvent] {
        if let raw = observation.raw {
            precondition(raw.count == labels.count, "the model gave \(raw.count) values for \(labels.count) labels")
            precondition((observation.content != nil) == hasContentHead, "content must come with a content head")
        }
        var events: [MoodEvent] = []
        if since == nil { since = observation.wallTime }
        if isSilent(levelDB: observation.levelDB) {
            forget()
            transition(to: .silence, at: observation.wallTime, into: &events)
        } else {
            if state == .silence { transition(to: .listening, at: observation.wallTime, into: &events) }
            if let raw = observation.raw {
                var musicWindow = true
                if let kinds = observation.content {
                    let wasMusic = content!.state == .music
                    content!.update(kinds, at: observation.time)
                    if wasMusic, content!.state != .music {
                        smoother.reset()
                        challenger = nil
                    }
                    musicWindow = ContentKind.argmax(kinds) == .music
                }
                if musicWindow { follow(smoother.update(raw, at: observation.time), at: observation.time) }
                decide(at: observation.time, wallTime: observation.wallTime, into: &events)
            }
        }
        events.append(.mood(mood(observation)))
        return events
    }

    /// Back to `listening` with no history: the shell calls this when the source is lost or ended,
    /// since the mood of audio no longer heard should not stay announced. Returns the `change`, if any.
    public mutating func reset(at wallTime: Timestamp) -> [MoodEvent] {
        forget()
        var events: [MoodEvent] = []
        transition(to: .listening, at: wallTime, into: &events)
        return events
    }

    private mutating func forget() {
        smoother.reset()
        content?.reset()
        challenger = nil
    }

    /// Tracks which label leads the smoothed distribution `p`, and since when.
    private mutating func follow(_ p: [Float], at time: Double) {
        var leader = 0
        for i in p.indices where p[i] > p[leader] { leader = i }
        if case .label(let name) = state, let current = labels.index(of: name), p[current] >= p[leader] {
            leader = current
        }
        if state == .label(labels.names[leader]) {
            challenger = nil
        } else if challenger?.index != leader {
            challenger = (leader, time)
        }
    }

    /// Moves the announced state to what the content and the leading label now justify.
    private mutating func decide(at time: Double, wallTime: Timestamp, into events: inout [MoodEvent]) {
        switch content.map({ $0.state }) {
        case .some(nil):
            transition(to: .listening, at: wallTime, into: &events)
        case .some(.speech?):
            transition(to: .speech, at: wallTime, into: &events)
        case .some(.noise?):
            transition(to: .noise, at: wallTime, into: &events)
        case .none, .some(.music?):
            let dwell = state.isMood ? settings.dwell : min(settings.initialDwell, settings.dwell)
            if let c = challenger, time - c.since >= dwell {
                challenger = nil
                transition(to: .label(labels.names[c.index]), at: wallTime, into: &events)
            } else if !state.isMood {
                transition(to: .listening, at: wallTime, into: &events)
            }
        }
    }

    private mutating func transition(to next: MoodState, at wallTime: Timestamp, into events: inout [MoodEvent]) {
        guard next != state else { return }
        let from = state
        state = next
        since = wallTime
        events.append(.change(MoodEvent.Change(from: from, to: next, time: wallTime)))
    }
}
