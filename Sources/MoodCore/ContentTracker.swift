/// What kind of sound is playing, from the content head's per-window probabilities: smoothing and
/// asymmetric hysteresis, as a value-type state machine. `MoodTracker` owns one when the model has a
/// content head and turns its state into the announced `speech`, `noise` or mood.
///
///     undecided     --X led for enterDwell------------> X        (X: music, speech or noise)
///     speech, noise --music led for enterDwell--------> music
///     speech        <--the other led for enterDwell--> noise
///     music         --others led for leaveDwell-------> speech or noise, whichever leads then
///     any           --reset()------------------------> undecided (silence, source lost or ended)
///
/// Leaving music takes longer (`leaveDwell`, 6 s) than entering it (`enterDwell`, 3 s) because the
/// two mistakes cost differently: a spoken word or a quiet bar inside a track must not throw away
/// the track's mood, while a pause or a laugh in a conversation must not start one, and
/// `enterDwell` (the time music must lead) protects against the latter on its own.
///
/// Leadership is judged on the smoothed distribution (EMA, like the mood's): the leader is its
/// argmax, ties going to the current kind, then to the earlier kind. Leaving music counts the time
/// since any other kind took the lead, even if speech and noise swap meanwhile; any analysis at which
/// music leads again starts the count afresh. Every other transition counts one kind's unbroken lead.
public struct ContentTracker: Sendable {
    public struct Settings: Sendable, Equatable {
        /// EMA time constant, seconds (the mood's `smoothing.time_constant`).
        public var timeConstant: Double
        /// How long a kind must lead to be entered, seconds (`content.enter_dwell`); also speech <-> noise.
        public var enterDwell: Double
        /// How long other kinds must lead before music is left, seconds (`content.leave_dwell`).
        public var leaveDwell: Double

        public init(timeConstant: Double = 3, enterDwell: Double = 3, leaveDwell: Double = 6) {
            self.timeConstant = timeConstant
            self.enterDwell = enterDwell
            self.leaveDwell = leaveDwell
        }
    }

    public let settings: Settings
    /// The current kind; nil (undecided) at start and after `reset()`.
    public private(set) var state: ContentKind?
    private var smoother: MoodSmoother
    /// The kind leading against `state` and the monotonic time the lead began (for leaving music: the
    /// time music lost the lead).
    private var challenger: (kind: ContentKind, since: Double)?

    public init(settings: Settings) {
        precondition(settings.enterDwell >= 0 && settings.leaveDwell >= 0, "dwell times must be >= 0")
        self.settings = settings
        smoother = MoodSmoother(timeConstant: settings.timeConstant)
    }

    /// The smoothed distribution over `ContentKind.labels`; nil at start and after `reset()`.
    public var probabilities: [Float]? { smoother.probabilities }

    /// Mixes in one window's content probabilities (music, speech, noise) at monotonic `time`, seconds;
    /// returns whether `state` changed.
    @discardableResult
    public mutating func update(_ raw: [Float], at time: Double) -> Bool {
        precondition(raw.count == ContentKind.allCases.count, "the content head gave \(raw.count) values")
        let p = smoother.update(raw, at: time)
        var leader = ContentKind.argmax(p)
        if let state, p[state.rawValue] >= p[leader.rawValue] { leader = state }
        guard leader != state else {
            challenger = nil
            return false
        }
        let dwell: Double
        if state == .music {
            // Any non-music lead counts towards leaving; speech and noise may take turns.
            if challenger == nil { challenger = (leader, time) }
            dwell = settings.leaveDwell
        } else {
            if challenger?.kind != leader { challenger = (leader, time) }
            dwell = settings.enterDwell
        }
        guard time - challenger!.since >= dwell else { return false }
        state = leader
        challenger = nil
        return true
    }

    /// Forgets the history: undecided, with no smoothed probabilities.
    public mutating func reset() {
        smoother.reset()
        state = nil
        challenger = nil
    }
}
