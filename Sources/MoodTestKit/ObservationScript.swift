import MoodCore

/// Builds a timed sequence of analysed windows for `MoodTracker` tests and service tests:
/// "4.5 s of happy music, 6 s of silence, then sad", one observation per hop.
public struct ObservationScript: Sendable {
    /// Seconds between observations.
    public var hop: Double
    /// Wall time of the first observation; later ones add the elapsed monotonic time.
    public var start: Timestamp
    public private(set) var observations: [MoodTracker.Observation] = []
    /// Monotonic time of the next observation, seconds.
    public private(set) var nextTime: Double = 0

    public init(hop: Double = 1.5, start: Timestamp = Timestamp(millisecondsSinceEpoch: 1_795_255_200_000)) {
        self.hop = hop
        self.start = start
    }

    /// Appends `count` windows with these raw probabilities (nil: inference skipped) at `levelDB`, and
    /// these content probabilities (music, speech, noise; for a tracker with a content head).
    public mutating func add(_ raw: [Float]?, content: [Float]? = nil, levelDB: Float = -20, count: Int) {
        for _ in 0..<count {
            let wall = Timestamp(millisecondsSinceEpoch: start.millisecondsSinceEpoch + Int64((nextTime * 1000).rounded()))
            observations.append(.init(time: nextTime, wallTime: wall, levelDB: levelDB, raw: raw, content: raw == nil ? nil : content))
            nextTime += hop
        }
    }

    /// Appends windows covering `seconds` (rounded up to whole hops).
    public mutating func add(_ raw: [Float]?, content: [Float]? = nil, levelDB: Float = -20, seconds: Double) {
        add(raw, content: content, levelDB: levelDB, count: Int((seconds / hop).rounded(.up)))
    }

    /// Silent windows (level -90 dBFS, inference skipped).
    public mutating func addSilence(seconds: Double) {
        add(nil, levelDB: -90, seconds: seconds)
    }

    /// Feeds every observation to `tracker`; returns the events of each, in order.
    public func run(_ tracker: inout MoodTracker) -> [[MoodEvent]] {
        observations.map { tracker.update($0) }
    }

    /// Content probabilities (music, speech, noise) led by `kind` with `p`.
    public static func content(_ kind: ContentKind, p: Float = 0.8) -> [Float] {
        peaked(kind.rawValue, of: ContentKind.allCases.count, p: p)
    }

    /// A distribution that puts `p` on label `index` of `count` and spreads the rest evenly.
    public static func peaked(_ index: Int, of count: Int = 4, p: Float = 0.7) -> [Float] {
        (0..<count).map { $0 == index ? p : (1 - p) / Float(count - 1) }
    }
}
