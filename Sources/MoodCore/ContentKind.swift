/// What a window holds, as a model's `content` head tells it (docs/model-format.md, "Heads"): the
/// head's labels are exactly these, in this order, so its output index is the case's index.
public enum ContentKind: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case music, speech, noise

    /// The `content` head's labels, in output order: `["music", "speech", "noise"]`.
    public static let labels: [String] = allCases.map(\.name)

    /// The label and wire name.
    public var name: String {
        switch self {
        case .music: "music"
        case .speech: "speech"
        case .noise: "noise"
        }
    }

    public var description: String { name }

    /// The kind with the highest value in `probabilities` (one per kind, in label order); ties go to
    /// the earlier kind. Non-finite values never lead.
    public static func argmax(_ probabilities: [Float]) -> ContentKind {
        precondition(probabilities.count == allCases.count, "one value per content kind")
        var best = 0
        for i in probabilities.indices where probabilities[i] > probabilities[best] || !probabilities[best].isFinite {
            best = i
        }
        return ContentKind(rawValue: best)!
    }
}
