/// The model's output classes, in output order, and where each sits on the valence/arousal plane.
///
/// Label-generic: a model declares each label's coordinates (`Axes`, each in -1...1) and
/// valence = sum_i p_i * valence_i, arousal = sum_i p_i * arousal_i. A model that declares none but
/// whose labels are exactly the four quadrant names (any order) gets Russell's quadrants:
/// happy Q1 (+,+), angry Q2 (-,+), sad Q3 (-,-), relaxed Q4 (+,-), which is the formula
/// valence = P(Q1)+P(Q4)-P(Q2)-P(Q3), arousal = P(Q1)+P(Q2)-P(Q3)-P(Q4). Any other label set without
/// declared axes has no valence/arousal (events carry `null`) rather than a guessed one.
public struct MoodLabels: Sendable, Equatable {
    /// A label's position on the valence/arousal plane; each coordinate in -1...1.
    public struct Axes: Sendable, Equatable {
        public var valence: Float
        public var arousal: Float
        public init(valence: Float, arousal: Float) {
            self.valence = valence
            self.arousal = arousal
        }
    }

    public struct InvalidLabels: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Label names in model output order.
    public let names: [String]
    /// One per label, or nil when the plane is unknown for this label set.
    public let axes: [Axes]?

    /// Names the announced state uses besides the labels; a model may not use them as labels.
    public static let reservedNames: Set<String> = Set(MoodState.states.map(\.name))

    /// The quadrant labels moodd's default model emits, in its output order Q1...Q4.
    public static let quadrants = try! MoodLabels(["happy", "angry", "sad", "relaxed"])

    static let quadrantAxes: [String: Axes] = [
        "happy": Axes(valence: 1, arousal: 1),
        "angry": Axes(valence: -1, arousal: 1),
        "sad": Axes(valence: -1, arousal: -1),
        "relaxed": Axes(valence: 1, arousal: -1),
    ]

    /// - Parameters:
    ///   - names: label names in model output order; non-empty, unique, printable, not reserved.
    ///   - axes: the model's declared coordinates, one per label; nil to apply the quadrant rule.
    public init(_ names: [String], axes: [Axes]? = nil) throws(InvalidLabels) {
        guard !names.isEmpty else { throw InvalidLabels(description: "a model needs at least one label") }
        var seen = Set<String>()
        for name in names {
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                throw InvalidLabels(description: "label \(name.debugDescription) is empty or has control characters")
            }
            guard !Self.reservedNames.contains(name) else {
                throw InvalidLabels(description: "label '\(name)' is reserved for the daemon's own states")
            }
            guard seen.insert(name).inserted else { throw InvalidLabels(description: "label '\(name)' appears twice") }
        }
        if let axes {
            guard axes.count == names.count else {
                throw InvalidLabels(description: "\(names.count) labels but \(axes.count) axes")
            }
            for (name, a) in zip(names, axes) where !(a.valence.magnitude <= 1 && a.arousal.magnitude <= 1) {
                throw InvalidLabels(description: "label '\(name)': valence and arousal must lie in -1...1")
            }
            self.axes = axes
        } else if Set(names) == Set(Self.quadrantAxes.keys) {
            self.axes = names.map { Self.quadrantAxes[$0]! }
        } else {
            self.axes = nil
        }
        self.names = names
    }

    public var count: Int { names.count }

    public func index(of name: String) -> Int? { names.firstIndex(of: name) }

    /// Valence and arousal of a distribution over these labels, clamped to -1...1 (rounding can
    /// push a sum of products a hair outside); nil without axes.
    public func plane(_ probabilities: [Float]) -> (valence: Float, arousal: Float)? {
        guard let axes else { return nil }
        precondition(probabilities.count == axes.count, "distribution does not match the labels")
        var v: Float = 0
        var a: Float = 0
        for (p, axis) in zip(probabilities, axes) {
            v += p * axis.valence
            a += p * axis.arousal
        }
        return (min(1, max(-1, v)), min(1, max(-1, a)))
    }
}

/// What the daemon currently announces: a label, or one of its states without a mood.
///
/// `listening` is the state before the first label is announced (at start, after silence, after the
/// source was lost): sound is playing but no label (or, with a content head, no kind of content) has
/// led long enough. `silence` means the input level is below the threshold. `speech` and `noise` come
/// only from a model with a content head: what plays is not music. None of these claims a mood.
public enum MoodState: Sendable, Hashable, CustomStringConvertible {
    case listening
    case silence
    case speech
    case noise
    case label(String)

    /// The daemon's own states, which no model may use as labels.
    public static let states: [MoodState] = [.listening, .silence, .speech, .noise]

    /// The wire form, used in `label`, `from` and `to` fields.
    public var name: String {
        switch self {
        case .listening: "listening"
        case .silence: "silence"
        case .speech: "speech"
        case .noise: "noise"
        case .label(let name): name
        }
    }

    public init(name: String) {
        self = Self.states.first { $0.name == name } ?? .label(name)
    }

    /// Whether this state claims a mood (a model's label).
    public var isMood: Bool {
        if case .label = self { true } else { false }
    }

    public var description: String { name }
}

/// Probabilities over a label set, in label order: `probabilities` and `raw` in events.
public struct Distribution: Sendable, Equatable {
    public var labels: [String]
    public var values: [Float]

    public init(labels: [String], values: [Float]) {
        precondition(labels.count == values.count, "one value per label")
        self.labels = labels
        self.values = values
    }

    public subscript(label: String) -> Float? {
        labels.firstIndex(of: label).map { values[$0] }
    }
}
