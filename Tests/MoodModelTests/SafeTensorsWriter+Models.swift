@testable import MoodModel
import MoodTestKit

/// The moodd model files MoodModelTests build: the metadata every one carries and random backbones.
extension SafeTensorsWriter {
    /// The metadata a moodd model file for `config` must carry.
    static func modelMetadata(_ config: MusicnnConfig) -> [String: String] {
        let tags = (0..<config.tagCount).map { "\"tag\($0)\"" }.joined(separator: ", ")
        return [
            "format": "moodd-model", "format_version": "1", "architecture": "musicnn", "architecture_version": "1",
            "backbone": "test", "bn_epsilon": "0.001", "heads": "[]", "source": "random", "license": "none",
            "input": """
                {"sample_rate": 16000, "n_fft": 512, "hop_length": 256, "n_mels": \(config.bands), \
                "fmin": 0, "fmax": 8000, "mel_scale": "slaney", "mel_norm": "slaney", "window": "hann_periodic", \
                "power": 2, "log": "log10(1+10000*x)", "patch_frames": \(config.frames)}
                """,
            "tags": "[\(tags)]",
        ]
    }

    /// A complete random model for `config`: every tensor the architecture needs, variances positive.
    static func randomModel(_ config: MusicnnConfig, seed: UInt64) -> SafeTensorsWriter {
        var rng = SeededRandom(seed: seed)
        var writer = SafeTensorsWriter(metadata: modelMetadata(config))
        for (name, shape) in config.expectedTensors {
            let count = shape.reduce(1, *)
            let values: [Float]
            if name.hasSuffix(".var") {
                values = rng.floats(count, in: 0.1...2)
            } else if name.hasSuffix(".gamma") {
                values = rng.floats(count, in: -1.5...1.5)
            } else if name.hasSuffix(".weight") {
                let fanIn = shape.dropFirst().reduce(1, *)
                let bound = 2 / Float(fanIn).squareRoot()
                values = rng.floats(count, in: -bound...bound)
            } else {
                values = rng.floats(count, in: -0.5...0.5)
            }
            writer.tensors.append((name, shape, values))
        }
        return writer
    }

}
