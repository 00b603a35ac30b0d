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
    /// The front end's output, `[frames x frontChannels]` row-major (187 x 561 for musicnn): every timbral and
    /// temporal filter's maximum over the bands after its batch norm (`MusicnnState.front`). For training
    /// tools (training/front_cache.py caches it to fine-tune the later layers), never a head's input.
    case front

    /// What a head may read.
    public static let headInputs: [MusicnnLayer] = [.penultimate, .pooled]

    /// The activation's width for a backbone of this configuration.
    public func size(_ config: MusicnnConfig) -> Int {
        switch self {
        case .penultimate: config.denseUnits
        case .pooled: config.pooledCount
        case .tags: config.tagCount
        case .front: config.frames * config.frontChannels
        }
    }
}
