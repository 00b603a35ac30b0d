#if canImport(Glibc)
import Glibc
#endif
import MoodCore

/// A classifier head of kind `dense` (docs/model-format.md, "Heads"): standardise one of the backbone's
/// activations (`input`: the penultimate embedding or the pooled mid-end; with `context_seconds`, also
/// its mean over the last few patches), then dense layers with ReLU between them and a softmax at the end.
///
/// Immutable and shareable; `apply` writes into caller-owned scratch and output, allocating nothing.
/// About 13 k multiply-accumulates per patch for the shipped mood head, against the backbone's 138 M.
public struct DenseHead: Sendable {
    public struct Layer: Sendable {
        public let weight: [Float]  // [outputs x inputs], row-major (out, in)
        public let bias: [Float]    // [outputs]
        public let inputs: Int
        public let outputs: Int
        public let relu: Bool       // false only on the last layer, which is followed by the softmax
    }

    public let name: String
    public let labels: [String]
    /// One sign or coordinate per label, or nil when the head declares none.
    public let valence: [Float]?
    public let arousal: [Float]?
    public let input: MusicnnLayer
    /// Seconds of context (`context_seconds`, 0 when the entry has none): the head then reads the
    /// patch's `input` and, beside it, that activation's mean over the patches of the last
    /// `contextSeconds` of the stream (`HeadContext`), so `inputSize` is twice the activation's width.
    public let contextSeconds: Double
    public let inputSize: Int
    public let inputMean: [Float]   // [inputSize]
    public let inputScale: [Float]  // [inputSize], > 0
    public let layers: [Layer]
    /// The entry's `cv` object as JSON text, for `moodd classify --json` and the model card.
    public let crossValidation: String?

    /// The most `context_seconds` a head may declare.
    public static let maxContextSeconds = 60.0

    /// The width of the backbone activation the head reads (`inputSize`, or half of it with context).
    public var layerSize: Int { contextSeconds > 0 ? inputSize / 2 : inputSize }

    /// The widest layer: the scratch `apply` needs, twice.
    public var scratchSize: Int { max(inputSize, layers.map(\.outputs).max() ?? 0) }

    /// Parses one entry of the `heads` metadata array and its tensors from `file`.
    init(entry: JSONValue, file: SafeTensors, backbone: MusicnnConfig) throws(ModelFileError) {
        let path = file.path
        let name = entry["name"]?.stringValue ?? "?"
        func fail(_ reason: String) -> ModelFileError {
            ModelFileError(path: path, kind: .badMetadata, reason: "head '\(name)': \(reason)")
        }
        func tensor(_ key: String, shape: [Int]) throws(ModelFileError) -> [Float] {
            guard let tensorName = entry[key]?.stringValue ?? (key.hasPrefix("heads.") ? key : nil) else {
                throw fail("'\(key)' is missing")
            }
            guard tensorName.hasPrefix("heads.\(name).") else { throw fail("tensor '\(tensorName)' is not under heads.\(name).") }
            guard let info = file.entries[tensorName] else {
                throw ModelFileError(path: path, kind: .missingTensor, reason: "head '\(name)': tensor '\(tensorName)' is missing")
            }
            guard info.shape == shape else {
                throw ModelFileError(path: path, kind: .shapeMismatch,
                                     reason: "head '\(name)': tensor '\(tensorName)' has shape \(info.shape), expected \(shape)")
            }
            let values = file.floats(tensorName)!
            guard values.allSatisfy(\.isFinite) else { throw fail("tensor '\(tensorName)' has a non-finite value") }
            return values
        }
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") })
        else {
            throw fail("the name must be letters, digits and _")
        }
        guard entry["kind"]?.stringValue == "dense" else {
            throw fail("kind '\(entry["kind"].map { $0.stringValue ?? $0.encoded() } ?? "none")' is not 'dense'")
        }
        guard let input = entry["input"]?.stringValue.flatMap(MusicnnLayer.init(rawValue:)),
              MusicnnLayer.headInputs.contains(input)
        else {
            throw fail("input must be one of \(MusicnnLayer.headInputs.map { "'\($0.rawValue)'" }.joined(separator: ", "))")
        }
        var contextSeconds = 0.0
        if let raw = entry["context_seconds"] {
            guard let seconds = raw.doubleValue, seconds.isFinite, (0...Self.maxContextSeconds).contains(seconds) else {
                throw fail("context_seconds must be a number of seconds in 0...\(Int(Self.maxContextSeconds))")
            }
            contextSeconds = seconds
        }
        let width = input.size(backbone) * (contextSeconds > 0 ? 2 : 1)
        guard let size = entry["input_size"]?.intValue, size == width else {
            throw fail("input_size must be \(width) for input '\(input.rawValue)'" + (contextSeconds > 0 ? " with context_seconds" : ""))
        }
        let labelValues = entry["labels"]?.arrayValue ?? []
        let labels = labelValues.compactMap(\.stringValue)
        guard !labels.isEmpty, labels.count == labelValues.count else { throw fail("labels must be a non-empty list of strings") }
        guard let layerEntries = entry["layers"]?.arrayValue, !layerEntries.isEmpty else {
            throw fail("layers must be a non-empty list")
        }
        self.name = name
        self.labels = labels
        self.input = input
        self.contextSeconds = contextSeconds
        inputSize = size
        inputMean = try tensor("input_mean", shape: [size])
        inputScale = try tensor("input_scale", shape: [size])
        guard inputScale.allSatisfy({ $0 > 0 }) else { throw fail("input_scale must be > 0") }

        var layers: [Layer] = []
        var inputs = size
        for (i, layer) in layerEntries.enumerated() {
            let last = i == layerEntries.count - 1
            let activation = layer["activation"]?.stringValue
            guard activation == (last ? "softmax" : "relu") else {
                throw fail("layer \(i) activation must be '\(last ? "softmax" : "relu")', got '\(activation ?? "none")'")
            }
            guard let weightName = layer["weight"]?.stringValue, let biasName = layer["bias"]?.stringValue,
                  let shape = file.entries[weightName]?.shape, shape.count == 2, shape[1] == inputs
            else { throw fail("layer \(i) needs a weight [out, \(inputs)] and a bias") }
            let outputs = shape[0]
            if last, outputs != labels.count { throw fail("the last layer has \(outputs) outputs for \(labels.count) labels") }
            let weight = try tensor(weightName, shape: [outputs, inputs])
            let bias = try tensor(biasName, shape: [outputs])
            layers.append(Layer(weight: weight, bias: bias, inputs: inputs, outputs: outputs, relu: !last))
            inputs = outputs
        }
        self.layers = layers
        func signs(_ key: String) throws(ModelFileError) -> [Float]? {
            guard let raw = entry[key] else { return nil }
            let values = raw.arrayValue?.compactMap(\.doubleValue) ?? []
            guard values.count == labels.count, raw.arrayValue?.count == labels.count, values.allSatisfy({ abs($0) <= 1 }) else {
                throw fail("\(key) must list one number in -1...1 per label")
            }
            return values.map(Float.init)
        }
        valence = try signs("valence")
        arousal = try signs("arousal")
        crossValidation = entry["cv"].map { $0.encoded(decimals: 6) }
    }

    /// - input: `[inputSize]`, the backbone's activation named by `input`.
    /// - scratch: two buffers of at least `scratchSize`.
    /// - probabilities: receives `[labels.count]`, summing to 1.
    public func apply(input: UnsafeBufferPointer<Float>, scratch: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>),
                      probabilities: UnsafeMutableBufferPointer<Float>) {
        precondition(input.count == inputSize && probabilities.count == labels.count)
        var (x, y) = scratch
        for i in 0..<inputSize { x[i] = (input[i] - inputMean[i]) / inputScale[i] }
        for layer in layers {
            layer.weight.withUnsafeBufferPointer { w in
                for o in 0..<layer.outputs {
                    var sum = layer.bias[o]
                    let row = w.baseAddress! + o * layer.inputs
                    for i in 0..<layer.inputs { sum += row[i] * x[i] }
                    y[o] = layer.relu ? max(sum, 0) : sum
                }
            }
            swap(&x, &y)
        }
        // softmax over the last layer's outputs, now in x
        let n = labels.count
        var peak = -Float.infinity
        for i in 0..<n { peak = max(peak, x[i]) }
        var total: Float = 0
        for i in 0..<n {
            let e = expf(x[i] - peak)
            probabilities[i] = e
            total += e
        }
        for i in 0..<n { probabilities[i] /= total }
    }
}
