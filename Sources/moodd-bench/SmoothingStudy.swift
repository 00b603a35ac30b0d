import Foundation
import MoodCore

/// `moodd-bench smoothing TIMELINES.jsonl`: the daemon's own `MoodTracker` over playlists of real clips, for
/// a grid of EMA time constants and dwells, to choose the defaults by measurement.
///
/// Input: `moodd classify DIR --json --timeline` lines (each window's model probabilities, every 1.5 s).
/// A clip's true label comes from its folder (`Q1`..`Q4` -> happy, angry, sad, relaxed). Clips are played
/// back to back in seeded random orders with no gap, the hardest case for a smoother (a real station has
/// pauses, which reset it). For each setting:
/// - flicker: `change` events per hour beyond the first change into each clip;
/// - reaction: seconds from a clip boundary where the true label changes to the first announcement of
///   the new clip's label (median; clips where it never comes count in `missed`);
/// - agreement: the share of time the announced label is the clip's true label.
enum SmoothingStudy {
    static let quadrantLabels = ["Q1": "happy", "Q2": "angry", "Q3": "sad", "Q4": "relaxed"]

    struct Clip {
        var truth: Int
        var windows: [[Float]]
    }

    static func run(path: String, hop: Double = 1.5, playlists: Int = 20) throws {
        let labels = MoodLabels.quadrants
        var clips: [Clip] = []
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for line in text.split(separator: "\n") {
            let json = try JSONValue.parse(String(line))
            guard let file = json["file"]?.stringValue,
                  let quadrant = quadrantLabels.keys.first(where: { file.contains("/\($0)/") }),
                  let truth = labels.names.firstIndex(of: quadrantLabels[quadrant]!),
                  case .array(let timeline)? = json["timeline"]
            else { continue }
            let windows = timeline.compactMap { window -> [Float]? in
                guard case .object(let p)? = window["probabilities"] else { return nil }
                return p.compactMap { $0.value.doubleValue.map(Float.init) }
            }
            clips.append(Clip(truth: truth, windows: windows))
        }
        print("\(clips.count) clips, \(playlists) playlists each, hop \(hop) s; clips back to back, no gaps\n")
        print("| time constant (s) | dwell (s) | flicker (changes/h beyond one per clip) | reaction median (s) | missed | agreement |")
        print("|---:|---:|---:|---:|---:|---:|")
        for tau in [0.0, 1.5, 3, 6, 12] {
            for dwell in [0.0, 5, 10, 20] {
                let settings = MoodTracker.Settings(timeConstant: tau, dwell: dwell, initialDwell: min(3, dwell))
                var r = Result()
                for seed in 0..<playlists {
                    var rng = SplitMix(state: UInt64(seed + 1))
                    simulate(clips.shuffled(using: &rng), labels: labels, settings: settings, hop: hop, into: &r)
                }
                let reaction = r.reactions.sorted()
                let median = reaction.isEmpty ? Double.nan : reaction[reaction.count / 2]
                print(String(format: "| %.1f | %.0f | %.1f | %.1f | %.1f %% | %.1f %% |", tau, dwell,
                             Double(r.extraChanges) / (r.seconds / 3600), median,
                             100 * Double(r.missed) / Double(max(r.boundaries, 1)), 100 * r.agreeing / r.seconds))
            }
        }
    }

    struct Result {
        var seconds = 0.0, agreeing = 0.0
        var extraChanges = 0, boundaries = 0, missed = 0
        var reactions: [Double] = []
    }

    static func simulate(_ playlist: [Clip], labels: MoodLabels, settings: MoodTracker.Settings, hop: Double, into r: inout Result) {
        var tracker = MoodTracker(labels: labels, settings: settings)
        var t = 0.0
        var previousTruth: Int?
        for clip in playlist {
            let truth = labels.names[clip.truth]
            let start = t
            var changesInClip = 0
            var reacted = previousTruth == clip.truth
            if previousTruth != nil, previousTruth != clip.truth { r.boundaries += 1 }
            for window in clip.windows {
                t += hop
                let events = tracker.update(.init(time: t, wallTime: Timestamp(millisecondsSinceEpoch: Int64(t * 1000)),
                                                  levelDB: -20, raw: window))
                changesInClip += events.filter { if case .change = $0 { true } else { false } }.count
                if case .label(let name) = tracker.state {
                    if name == truth {
                        r.agreeing += hop
                        if !reacted {
                            r.reactions.append(t - start)
                            reacted = true
                        }
                    }
                }
                r.seconds += hop
            }
            if !reacted, previousTruth != nil { r.missed += 1 }
            r.extraChanges += max(0, changesInClip - 1)
            previousTruth = clip.truth
        }
    }

    /// A seeded generator (SplitMix64) so the playlists are the same on every run.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
