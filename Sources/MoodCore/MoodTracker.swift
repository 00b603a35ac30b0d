/// From per-window model outputs to announced moods: silence gating, smoothing and hysteresis, as a
/// value-type state machine that returns the events to publish. The analysis shell feeds it one
/// `Observation` per hop and publishes what comes back, in order.
///
/// States and transitions (each transition is a `change` event):
///
///     listening --a label led for initialDwell--> label
///     label     --another label led for dwell---> other label
///     any       --one window below threshold----> silence      (smoother reset)
///     silence   --one window at/above threshold-> listening    (then as from the start)
///     any       --reset(at:) (source lost/ended)-> listening   (smoother reset)
///
/// Silence resets the smoother rather than freezing it: silence is usually the gap between tracks,
/// and carrying the last track's mood into the next would make the hysteresis hold a stale label for
/// `dwell` seconds against the new music. One window below the threshold is enough: a window is 3 s
/// long, so it already takes 3 s of near silence (a fade-out) to get there, and a mood claimed for
/// silence is wrong straight away.
///
/// Leadership is judged on the smoothed distribution: the leader is its argmax, ties going to the
/// announced label (then to the lower index). A challenger's time is counted from the first analysis
/// at which it led; any analysis at which it does not lead starts the count again.
public struct MoodTracker: Sendable {
    public struct Settings: Sendable, Equatable {
        /// EMA time constant, seconds (`smoothing.time_constant`).
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

        public init(timeConstant: Double = 3, dwell: Double = 10, initialDwell: Double = 3, silenceThresholdDB: Float = -50) {
            self.timeConstant = timeConstant
            self.dwell = dwell
            self.initialDwell = initialDwell
            self.silenceThresholdDB = silenceThresholdDB
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

        public init(time: Double, wallTime: Timestamp, levelDB: Float, raw: [Float]?) {
            self.time = time
            self.wallTime = wallTime
            self.levelDB = levelDB
            self.raw = raw
        }
    }

    private enum Announced: Equatable {
        case listening, silence
        case label(Int)
    }

    public let labels: MoodLabels
    public let settings: Settings
    private var smoother: MoodSmoother
    private var announced: Announced = .listening
    /// The label leading against the announced state, and the monotonic time it started leading.
    private var challenger: (index: Int, since: Double)?
    /// Wall time of the last change; nil before the first observation.
    public private(set) var since: Timestamp?

    public init(labels: MoodLabels, settings: Settings) {
        precondition(settings.dwell >= 0 && settings.initialDwell >= 0, "dwell times must be >= 0")
        self.labels = labels
        self.settings = settings
        self.smoother = MoodSmoother(timeConstant: settings.timeConstant)
    }

    /// The announced state.
    public var state: MoodState {
        switch announced {
        case .listening: .listening
        case .silence: .silence
        case .label(let i): .label(labels.names[i])
        }
    }

    /// The smoothed distribution, nil at start and in silence.
    public var probabilities: [Float]? { smoother.probabilities }

    /// Smoothed probability of the announced label; 0 while listening or in silence.
    public var confidence: Float {
        guard case .label(let i) = announced, let p = smoother.probabilities else { return 0 }
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
        }
        var events: [MoodEvent] = []
        if since == nil { since = observation.wallTime }
        if isSilent(levelDB: observation.levelDB) {
            smoother.reset()
            challenger = nil
            transition(to: .silence, at: observation.wallTime, into: &events)
        } else {
            if announced == .silence { transition(to: .listening, at: observation.wallTime, into: &events) }
            if let raw = observation.raw {
                let p = smoother.update(raw, at: observation.time)
                judge(p, at: observation.time, wallTime: observation.wallTime, into: &events)
            }
        }
        events.append(.mood(mood(observation)))
        return events
    }

    /// Back to `listening` with no history: the shell calls this when the source is lost or ended,
    /// since the mood of audio no longer heard should not stay announced. Returns the `change`, if any.
    public mutating func reset(at wallTime: Timestamp) -> [MoodEvent] {
        smoother.reset()
        challenger = nil
        var events: [MoodEvent] = []
        transition(to: .listening, at: wallTime, into: &events)
        return events
    }

    /// The `state` event / `status` reply body; the shell supplies what it alone knows.
    public func snapshot(time: Timestamp, source: MoodEvent.SourceStatus, counters: MoodEvent.Counters) -> MoodEvent.Snapshot {
        let plane = smoother.probabilities.flatMap { labels.plane($0) }
        return MoodEvent.Snapshot(
            time: time, label: state, confidence: confidence, probabilities: distribution(smoother.probabilities),
            valence: plane?.valence, arousal: plane?.arousal, since: since, source: source, counters: counters)
    }

    private mutating func judge(_ p: [Float], at time: Double, wallTime: Timestamp, into events: inout [MoodEvent]) {
        var leader = 0
        for i in p.indices where p[i] > p[leader] { leader = i }
        let dwell: Double
        switch announced {
        case .label(let current):
            if p[current] >= p[leader] { leader = current }
            if leader == current {
                challenger = nil
                return
            }
            dwell = settings.dwell
        case .listening, .silence:
            dwell = min(settings.initialDwell, settings.dwell)
        }
        if challenger?.index != leader { challenger = (leader, time) }
        if time - challenger!.since >= dwell {
            challenger = nil
            transition(to: .label(leader), at: wallTime, into: &events)
        }
    }

    private mutating func transition(to next: Announced, at wallTime: Timestamp, into events: inout [MoodEvent]) {
        guard next != announced else { return }
        let from = state
        announced = next
        since = wallTime
        events.append(.change(MoodEvent.Change(from: from, to: state, time: wallTime)))
    }

    private func distribution(_ values: [Float]?) -> Distribution? {
        values.map { Distribution(labels: labels.names, values: $0) }
    }

    private func mood(_ o: Observation) -> MoodEvent.Mood {
        let p = smoother.probabilities
        let plane = p.flatMap { labels.plane($0) }
        return MoodEvent.Mood(
            time: o.wallTime, label: state, confidence: confidence, probabilities: distribution(p),
            raw: distribution(o.raw), valence: plane?.valence, arousal: plane?.arousal,
            levelDB: o.levelDB.isFinite ? o.levelDB : nil)
    }
}
