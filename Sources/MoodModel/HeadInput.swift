/// Which of the backbone's activations a head reads (`input` in docs/model-format.md, "Heads").
public enum HeadInput: String, Sendable, CaseIterable {
    /// The 200-d embedding after the back end's dense layer, ReLU and batch norm.
    case penultimate
    /// The back end's input: the max over time of each mid-end channel, then the means (`[2 x 753]`),
    /// before the back end's batch norm. What `moodd embed --layer pooled` writes.
    case pooled

    /// The input's width for a backbone of this configuration.
    public func size(_ config: MusicnnConfig) -> Int {
        switch self {
        case .penultimate: config.denseUnits
        case .pooled: config.pooledCount
        }
    }
}
