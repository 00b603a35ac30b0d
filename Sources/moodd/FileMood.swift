import MoodCore

/// One file's result for `moodd classify`, built window by window, and its two renderings.
///
/// With a content head each window is `silence` (below the level threshold; the model is not run),
/// or the argmax of its content head; the file's mood is the mean over its music windows only, and a
/// file that is less than half music is labelled with its most frequent other kind. Without one every
/// window counts, as before content heads existed.
struct FileMood {
    /// What a window holds: `ContentKind`'s three, then silence.
    static let kinds = ContentKind.labels + [MoodState.silence.name]
    static let silence = 3

    struct Window {
        /// Seconds from the file's start.
        var start: Double
        /// Index into `kinds`; nil without a content head.
        var kind: Int?
        /// The mood head's probabilities; nil for a silent window.
        var mood: [Float]?
        /// The content head's probabilities; nil for a silent window and without a content head.
        var content: [Float]?
    }

    let file: String
    let labels: MoodLabels
    let hasContentHead: Bool
    private(set) var windows = 0
    /// Windows of each kind (`kinds` order).
    private(set) var kindCounts = [Int](repeating: 0, count: 4)
    /// Windows whose mood counts (music windows, or all without a content head).
    private(set) var moodWindows = 0
    private var moodSum: [Double]
    /// Every window, when a timeline was asked for.
    private(set) var timeline: [Window] = []
    private let keepsTimeline: Bool

    init(file: String, labels: MoodLabels, hasContentHead: Bool, timeline: Bool) {
        self.file = file
        self.labels = labels
        self.hasContentHead = hasContentHead
        keepsTimeline = timeline
        moodSum = [Double](repeating: 0, count: labels.count)
    }

    mutating func add(_ window: Window) {
        windows += 1
        if let kind = window.kind { kindCounts[kind] += 1 }
        if let mood = window.mood, window.kind == nil || window.kind == ContentKind.music.rawValue {
            moodWindows += 1
            for i in moodSum.indices { moodSum[i] += Double(mood[i]) }
        }
        if keepsTimeline { timeline.append(window) }
    }

    /// Mean mood of the windows that count; nil when none does.
    var probabilities: [Float]? {
        moodWindows == 0 ? nil : moodSum.map { Float($0 / Double(moodWindows)) }
    }

    /// Fraction of windows of each kind; nil without a content head.
    var contentFractions: [Float]? {
        hasContentHead ? kindCounts.map { windows == 0 ? 0 : Float($0) / Float(windows) } : nil
    }

    /// The label and its confidence: the mood (mean probability) when at least half the windows are music,
    /// else the most frequent other kind (its fraction of the windows).
    var verdict: (label: String, confidence: Float) {
        if let p = probabilities, !hasContentHead || 2 * moodWindows >= windows {
            let best = Self.argmax(p)
            return (labels.names[best], p[best])
        }
        let fractions = contentFractions ?? [0, 0, 0, 1]
        let other = [1, 2, 3].max { fractions[$0] < fractions[$1] || (fractions[$0] == fractions[$1] && $0 > $1) }!
        return (Self.kinds[other], fractions[other])
    }

    static func argmax(_ p: [Float]) -> Int { p.indices.max { p[$0] < p[$1] || (p[$0] == p[$1] && $0 > $1) }! }

    /// A window's label: its mood for music (or without a content head), else its kind.
    func windowLabel(_ w: Window) -> String {
        if let mood = w.mood, w.kind == nil || w.kind == ContentKind.music.rawValue { return labels.names[Self.argmax(mood)] }
        return Self.kinds[w.kind ?? Self.silence]
    }

    /// Valence and arousal of a window that claims a mood.
    func windowPlane(_ w: Window) -> (valence: Float, arousal: Float)? {
        guard let mood = w.mood, w.kind == nil || w.kind == ContentKind.music.rawValue else { return nil }
        return labels.plane(mood)
    }

    func jsonLine() -> String {
        let (label, confidence) = verdict
        let plane = probabilities.flatMap { labels.plane($0) }
        var members: [JSONValue.Member] = [
            .init("file", .string(file)),
            .init("label", .string(label)),
            .init("confidence", .number(Double(confidence))),
            .init("probabilities", Self.object(labels.names, probabilities)),
            .init("valence", plane.map { .number(Double($0.valence)) } ?? .null),
            .init("arousal", plane.map { .number(Double($0.arousal)) } ?? .null),
            .init("content", Self.object(Self.kinds, contentFractions)),
            .init("windows", .number(Double(windows))),
        ]
        if keepsTimeline {
            members.append(.init("timeline", .array(timeline.map { w in
                let plane = windowPlane(w)
                return .object([
                    .init("start", .number(w.start)), .init("label", .string(windowLabel(w))),
                    .init("kind", w.kind.map { .string(Self.kinds[$0]) } ?? .null),
                    .init("content", Self.object(ContentKind.labels, w.content)),
                    .init("probabilities", Self.object(labels.names, w.mood)),
                    .init("valence", plane.map { .number(Double($0.valence)) } ?? .null),
                    .init("arousal", plane.map { .number(Double($0.arousal)) } ?? .null),
                ])
            })))
        }
        return JSONValue.object(members).encoded()
    }

    /// `song.ogg: relaxed 0.71  (happy 0.10, ...)  valence +0.62  arousal -0.70  content: music 0.95, ...  20 windows`,
    /// or for a file that is mostly not music `typing.wav: noise 0.93  (content: noise 0.93, music 0.00, ...)  ...`.
    func text() -> String {
        let (label, confidence) = verdict
        var line = "\(file): \(label) \(Self.twoDecimals.string(confidence))  ("
        let fractions = contentFractions
        let isMood = labels.index(of: label) != nil
        if let fractions, !isMood, let k = Self.kinds.firstIndex(of: label) {
            let order = [k] + fractions.indices.filter { $0 != k }
            line += "content: " + order.map { "\(Self.kinds[$0]) \(Self.twoDecimals.string(fractions[$0]))" }.joined(separator: ", ") + ")"
            if let p = probabilities {
                line += "  music windows: " + Self.listed(labels.names, p)
            }
        } else if let p = probabilities {
            line += Self.listed(labels.names, p) + ")"
            if let fractions { line += "  content: " + Self.listed(Self.kinds, fractions) }
        }
        if let plane = probabilities.flatMap({ labels.plane($0) }) {
            let signed = DecimalFormat.printf(decimals: 2, plusSign: true)
            line += "  valence \(signed.string(plane.valence))  arousal \(signed.string(plane.arousal))"
        }
        line += "  \(windows) window" + (windows == 1 ? "" : "s")
        for w in timeline {
            line += "\n  \(DecimalFormat.printf(decimals: 1, width: 7).string(w.start)) s  " + padded(windowLabel(w), 10)
            if let content = w.content { line += Self.listed(ContentKind.labels, content, separator: "  ") + "  |  " }
            if let mood = w.mood { line += Self.listed(labels.names, mood, separator: "  ") }
        }
        return line
    }

    /// `%.2f`, as these lines have always been written.
    static let twoDecimals = DecimalFormat.printf(decimals: 2)

    static func listed(_ names: [String], _ values: [Float], separator: String = ", ") -> String {
        zip(names, values).map { "\($0) \(twoDecimals.string($1))" }.joined(separator: separator)
    }

    static func object(_ names: [String], _ values: [Float]?) -> JSONValue {
        guard let values else { return .null }
        return .object(zip(names, values).map { .init($0, .number(Double($1))) })
    }
}
