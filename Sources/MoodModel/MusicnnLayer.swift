/// The activations of a patch that leave the network: what `moodd embed --layer` writes, and what a
/// head reads (`input` in docs/model-format.md, "Heads": the first two only).
public enum MusicnnLayer: String, Sendable, CaseIterable {
    /// The 200-d embedding after the back end's dense layer, ReLU and batch norm.
    case penultimate
    /// The back end's input: the max over time of each mid-end channel, then the means (`[2 x 753]`),
    /// before the back end's batch norm (`MusicnnState.pooledFeatures`).
    case pooled
    /// The tag probabilities (50).
    case tags

    /// What a head may read.
    public static let headInputs: [MusicnnLayer] = [.penultimate, .pooled]

    /// The activation's width for a backbone of this configuration.
    public func size(_ config: MusicnnConfig) -> Int {
        switch self {
        case .penultimate: config.denseUnits
        case .pooled: config.pooledCount
        case .tags: config.tagCount
        }
    }
}
