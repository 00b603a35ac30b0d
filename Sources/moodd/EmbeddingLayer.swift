import ArgumentParser
import MoodModel

/// Which of the CNN's activations `moodd embed --layer` writes per patch.
enum EmbeddingLayer: String, ExpressibleByArgument, CaseIterable {
    /// The 200-d embedding after the back end's dense layer, ReLU and batch norm.
    case penultimate
    /// The back end's input: max over time of every mid-end channel, then mean over time (2 x 753).
    case pooled
    /// The 50 tag probabilities.
    case tags

    func width(_ config: MusicnnConfig) -> Int {
        switch self {
        case .penultimate: config.denseUnits
        case .pooled: config.pooledCount
        case .tags: config.tagCount
        }
    }
}
