import Foundation

/// Writes safetensors bytes for tests: well-formed model files (MoodModelTests adds the random
/// backbones, `mooddTests` heads on the shipped one), and the pieces to build hostile ones.
public struct SafeTensorsWriter: Sendable {
    public var tensors: [(name: String, shape: [Int], values: [Float])] = []
    public var metadata: [String: String] = [:]

    public init(tensors: [(name: String, shape: [Int], values: [Float])] = [], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Header JSON with tensors laid out back to back in the order added, and their data.
    public func parts() -> (header: String, data: [UInt8]) {
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

    public func bytes() -> [UInt8] {
        let (header, data) = parts()
        return Self.file(header: header, data: data)
    }

    /// `u64 length | header (space-padded to a multiple of 8, as the safetensors library does) | data`.
    public static func file(header: String, data: [UInt8], declaredLength: UInt64? = nil) -> [UInt8] {
        var h = Array(header.utf8)
        h += [UInt8](repeating: 0x20, count: (8 - h.count % 8) % 8)
        let n = declaredLength ?? UInt64(h.count)
        return (0..<8).map { UInt8((n >> (8 * UInt64($0))) & 0xFF) } + h + data
    }

    public func values(_ name: String) -> [Float] { tensors.first { $0.name == name }!.values }

    /// Adds a one-layer `dense` head (docs/model-format.md, "Heads") named `name` on `input` (`penultimate`,
    /// `inputSize` 200, or `pooled`, 1506): identity standardisation, then `softmax(weight x + bias)`;
    /// `weight` is `[labels.count x inputSize]` row-major (all zeros by default: the head then always
    /// says softmax(`bias`)). Appends its entry to the `heads` metadata.
    public mutating func addDenseHead(
        name: String, labels: [String], input: String = "penultimate", inputSize: Int = 200, bias: [Float], weight: [Float]? = nil,
        contextSeconds: Double = 0
    ) {
        precondition(bias.count == labels.count)
        let w = weight ?? [Float](repeating: 0, count: labels.count * inputSize)
        precondition(w.count == labels.count * inputSize)
        tensors += [
            ("heads.\(name).input_mean", [inputSize], [Float](repeating: 0, count: inputSize)),
            ("heads.\(name).input_scale", [inputSize], [Float](repeating: 1, count: inputSize)),
            ("heads.\(name).0.weight", [labels.count, inputSize], w),
            ("heads.\(name).0.bias", [labels.count], bias),
        ]
        var entry: [String: Any] = [
            "name": name, "kind": "dense", "input": input, "input_size": inputSize, "labels": labels,
            "input_mean": "heads.\(name).input_mean", "input_scale": "heads.\(name).input_scale",
            "layers": [["weight": "heads.\(name).0.weight", "bias": "heads.\(name).0.bias", "activation": "softmax"]],
        ]
        if contextSeconds > 0 { entry["context_seconds"] = contextSeconds }
        var heads = (try? JSONSerialization.jsonObject(with: Data((metadata["heads"] ?? "[]").utf8))) as? [Any] ?? []
        heads.append(entry)
        metadata["heads"] = String(decoding: try! JSONSerialization.data(withJSONObject: heads, options: [.sortedKeys]), as: UTF8.self)
    }
}
