import Foundation
@testable import MoodModel
import MoodTestKit

/// Writes safetensors bytes for tests: well-formed files, and the pieces to build hostile ones.
struct SafeTensorsWriter {
    var tensors: [(name: String, shape: [Int], values: [Float])] = []
    var metadata: [String: String] = [:]

    /// Header JSON with tensors laid out back to back in the order added, and their data.
    func parts() -> (header: String, data: [UInt8]) {
        var entries: [String: Any] = [:]
        var data: [UInt8] = []
        for t in tensors {
            let begin = data.count
            for v in t.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 } }
            entries[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [begin, data.count]]
        }
        if !metadata.isEmpty { entries["__metadata__"] = metadata }
        let json = try! JSONSerialization.data(withJSONObject: entries, options: [.sortedKeys])
        return (String(decoding: json, as: UTF8.self), data)
    }

    func bytes() -> [UInt8] {
        let (header, data) = parts()
        return Self.file(header: header, data: data)
    }

    /// `u64 length | header (space-padded to a multiple of 8, as the safetensors library does) | data`.
    static func file(header: String, data: [UInt8], declaredLength: UInt64? = nil) -> [UInt8] {
        var h = Array(header.utf8)
        h += [UInt8](repeating: 0x20, count: (8 - h.count % 8) % 8)
        let n = declaredLength ?? UInt64(h.count)
        return (0..<8).map { UInt8((n >> (8 * UInt64($0))) & 0xFF) } + h + data
    }

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

    func values(_ name: String) -> [Float] { tensors.first { $0.name == name }!.values }
}
