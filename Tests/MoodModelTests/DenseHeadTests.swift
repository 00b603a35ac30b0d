import Foundation
@testable import MoodModel
import MoodTestKit
import Testing

/// Heads of kind `dense` (docs/model-format.md, "Heads") against a direct computation in Double, and
/// every malformed head refused with one line naming it.
@Suite struct DenseHeadTests {
    static let labels = ["happy", "angry", "sad", "relaxed"]

    /// A 200 -> 8 -> 4 MLP head named `mood`, with seeded weights; `edit` changes its entry or tensors.
    static func file(hidden: Int = 8, edit: (inout [String: Any], inout SafeTensorsWriter) -> Void = { _, _ in }) throws -> SafeTensors {
        var rng = SeededRandom(seed: 7)
        var writer = SafeTensorsWriter()
        writer.tensors = [
            ("heads.mood.input_mean", [200], rng.floats(200)),
            ("heads.mood.input_scale", [200], rng.floats(200, in: 0.5...2)),
            ("heads.mood.0.weight", [hidden, 200], rng.floats(hidden * 200, in: -0.2...0.2)),
            ("heads.mood.0.bias", [hidden], rng.floats(hidden)),
            ("heads.mood.1.weight", [4, hidden], rng.floats(4 * hidden)),
            ("heads.mood.1.bias", [4], rng.floats(4)),
        ]
        var entry: [String: Any] = [
            "name": "mood", "kind": "dense", "input": "penultimate", "input_size": 200, "labels": labels,
            "input_mean": "heads.mood.input_mean", "input_scale": "heads.mood.input_scale",
            "layers": [["weight": "heads.mood.0.weight", "bias": "heads.mood.0.bias", "activation": "relu"],
                       ["weight": "heads.mood.1.weight", "bias": "heads.mood.1.bias", "activation": "softmax"]],
            "valence": [1, -1, -1, 1], "arousal": [1, 1, -1, -1], "cv": ["f1": [0.7, 0.02]],
        ]
        edit(&entry, &writer)
        let heads = try JSONSerialization.data(withJSONObject: [entry])
        writer.metadata = ["heads": String(decoding: heads, as: UTF8.self)]
        return try SafeTensors(bytes: writer.bytes(), path: "head.safetensors")
    }

    @Test func matchesADirectComputation() throws {
        let file = try Self.file()
        let head = try #require(try MoodClassifier.heads(in: file, backbone: .msd).first)
        #expect(head.labels == Self.labels)
        #expect(head.valence == [1, -1, -1, 1])
        var rng = SeededRandom(seed: 11)
        let x = rng.floats(200, in: -3...3)
        var scratch = (UnsafeMutablePointer<Float>.allocate(capacity: head.scratchSize),
                       UnsafeMutablePointer<Float>.allocate(capacity: head.scratchSize))
        defer { scratch.0.deallocate(); scratch.1.deallocate() }
        var p = [Float](repeating: 0, count: 4)
        x.withUnsafeBufferPointer { x in p.withUnsafeMutableBufferPointer { head.apply(input: x, scratch: scratch, probabilities: $0) } }

        let f = { (name: String) in file.floats(name)!.map(Double.init) }
        let z = (0..<200).map { (Double(x[$0]) - f("heads.mood.input_mean")[$0]) / f("heads.mood.input_scale")[$0] }
        let w0 = f("heads.mood.0.weight"), b0 = f("heads.mood.0.bias"), w1 = f("heads.mood.1.weight"), b1 = f("heads.mood.1.bias")
        var h = [Double](repeating: 0, count: 8), logits = [Double](repeating: 0, count: 4)
        for o in 0..<8 {
            var sum = b0[o]
            for i in 0..<200 { sum += w0[o * 200 + i] * z[i] }
            h[o] = max(0, sum)
        }
        for o in 0..<4 {
            var sum = b1[o]
            for i in 0..<8 { sum += w1[o * 8 + i] * h[i] }
            logits[o] = sum
        }
        let peak = logits.max()!
        let e = logits.map { exp($0 - peak) }
        let expected = e.map { $0 / e.reduce(0, +) }
        #expect(maxAbsDiff(p, expected) < 1e-6)
        #expect(abs(p.reduce(0, +) - 1) < 1e-6)
        swap(&scratch.0, &scratch.1)
    }

    /// A head with `input: pooled` reads the back end's pooled input ([max | mean] over time of the
    /// mid-end channels), not the penultimate embedding: the whole classifier on a random backbone
    /// against the pooled features of the same patch, through a direct computation in Double.
    @Test func aPooledHeadReadsTheBackEndsPooledInput() throws {
        var writer = SafeTensorsWriter.randomModel(smallConfig, seed: 3)
        let n = smallConfig.pooledCount
        var rng = SeededRandom(seed: 5)
        writer.tensors += [
            ("heads.mood.input_mean", [n], rng.floats(n)),
            ("heads.mood.input_scale", [n], rng.floats(n, in: 0.5...2)),
            ("heads.mood.0.weight", [4, n], rng.floats(4 * n, in: -0.3...0.3)),
            ("heads.mood.0.bias", [4], rng.floats(4)),
        ]
        writer.metadata["heads"] = """
            [{"name": "mood", "kind": "dense", "input": "pooled", "input_size": \(n), "labels": ["happy", "angry", "sad", "relaxed"], \
            "input_mean": "heads.mood.input_mean", "input_scale": "heads.mood.input_scale", \
            "layers": [{"weight": "heads.mood.0.weight", "bias": "heads.mood.0.bias", "activation": "softmax"}]}]
            """
        let file = try SafeTensors(bytes: writer.bytes(), path: "pooled.safetensors")
        let weights = try MusicnnWeights(file: file, config: smallConfig)
        let head = try #require(try MoodClassifier.heads(in: file, backbone: smallConfig).first)
        #expect(head.input == .pooled && head.inputSize == n)
        let classifier = try MoodClassifier(network: Musicnn(weights: weights), head: head, modelName: "pooled", path: file.path)
        let patch = rng.floats(smallConfig.frames * smallConfig.bands, in: 0...3)
        let p = try patch.withUnsafeBufferPointer { try classifier.classify(frames: $0) }.mood

        let network = Musicnn(weights: weights), state = network.makeState()
        let (penultimate, _) = network.forward(patch: patch, state: state)
        let pooled = state.pooledFeatures
        #expect(pooled.count == n && penultimate.count != n)
        let f = { (name: String) in file.floats(name)!.map(Double.init) }
        let mean = f("heads.mood.input_mean"), scale = f("heads.mood.input_scale"), w = f("heads.mood.0.weight"), b = f("heads.mood.0.bias")
        let logits = (0..<4).map { o in b[o] + (0..<n).reduce(0.0) { $0 + w[o * n + $1] * (Double(pooled[$1]) - mean[$1]) / scale[$1] } }
        let e = logits.map { exp($0 - logits.max()!) }
        #expect(maxAbsDiff(p, e.map { $0 / e.reduce(0, +) }) < 1e-5)
    }

    /// A head with `context_seconds` reads twice its activation's width: the patch's own, then the
    /// mean over the stream's last patches (`HeadContext`). 3 s at the 1.5-s hop: the patch and the
    /// two before it; after `startStream`, only the patches since.
    @Test func aHeadWithContextReadsItsInputAndItsMeanOverTheLastPatches() throws {
        var writer = SafeTensorsWriter.randomModel(smallConfig, seed: 3)
        let n = smallConfig.pooledCount
        var rng = SeededRandom(seed: 6)
        writer.tensors += [
            ("heads.mood.input_mean", [2 * n], rng.floats(2 * n)),
            ("heads.mood.input_scale", [2 * n], rng.floats(2 * n, in: 0.5...2)),
            ("heads.mood.0.weight", [4, 2 * n], rng.floats(8 * n, in: -0.3...0.3)),
            ("heads.mood.0.bias", [4], rng.floats(4)),
        ]
        writer.metadata["heads"] = """
            [{"name": "mood", "kind": "dense", "input": "pooled", "context_seconds": 3, "input_size": \(2 * n), \
            "labels": ["happy", "angry", "sad", "relaxed"], "input_mean": "heads.mood.input_mean", "input_scale": "heads.mood.input_scale", \
            "layers": [{"weight": "heads.mood.0.weight", "bias": "heads.mood.0.bias", "activation": "softmax"}]}]
            """
        let file = try SafeTensors(bytes: writer.bytes(), path: "context.safetensors")
        let weights = try MusicnnWeights(file: file, config: smallConfig)
        let head = try #require(try MoodClassifier.heads(in: file, backbone: smallConfig).first)
        #expect(head.contextSeconds == 3 && head.inputSize == 2 * n && head.layerSize == n)
        let classifier = try MoodClassifier(network: Musicnn(weights: weights), head: head, modelName: "context", path: file.path)
        classifier.startStream(hopSeconds: 1.5)

        let network = Musicnn(weights: weights), state = network.makeState()
        let f = { (name: String) in file.floats(name)!.map(Double.init) }
        let mean = f("heads.mood.input_mean"), scale = f("heads.mood.input_scale"), w = f("heads.mood.0.weight"), b = f("heads.mood.0.bias")
        var stream: [[Float]] = []
        for k in 0..<6 {
            if k == 4 {
                classifier.startStream(hopSeconds: 1.5)
                stream = []
            }
            let patch = rng.floats(smallConfig.frames * smallConfig.bands, in: 0...3)
            let p = try patch.withUnsafeBufferPointer { try classifier.classify(frames: $0) }.mood
            _ = network.forward(patch: patch, state: state)
            stream.append(state.pooledFeatures)
            let last = stream.suffix(3)
            let x = stream.last!.map(Double.init) + (0..<n).map { i in last.reduce(0.0) { $0 + Double($1[i]) } / Double(last.count) }
            let logits = (0..<4).map { o in b[o] + (0..<(2 * n)).reduce(0.0) { $0 + w[o * 2 * n + $1] * (x[$1] - mean[$1]) / scale[$1] } }
            let e = logits.map { exp($0 - logits.max()!) }
            #expect(maxAbsDiff(p, e.map { $0 / e.reduce(0, +) }) < 1e-5, "patch \(k)")
        }
    }

    @Test(arguments: [
        ("kind", "kind 'transformer' is not 'dense'"),
        ("input", "input must be one of 'penultimate', 'pooled'"),
        ("context_size", "input_size must be 400 for input 'penultimate' with context_seconds"),
        ("context_negative", "context_seconds must be a number of seconds in 0...60"),
        ("context_long", "context_seconds must be a number of seconds in 0...60"),
        ("context_text", "context_seconds must be a number of seconds in 0...60"),
        ("input_size", "input_size must be 200 for input 'penultimate'"),
        ("pooled_size", "input_size must be 1506 for input 'pooled'"),
        ("activation", "layer 1 activation must be 'softmax'"),
        ("labels", "the last layer has 4 outputs for 3 labels"),
        ("valence", "valence must list one number in -1...1 per label"),
        ("scale", "input_scale must be > 0"),
        ("shape", "tensor 'heads.mood.1.bias' has shape [5], expected [4]"),
        ("missing", "tensor 'heads.mood.input_mean' is missing"),
        ("foreign", "tensor 'backend.output.bias' is not under heads.mood."),
    ])
    func refusesMalformedHeads(defect: String, reason: String) throws {
        let file = try Self.file { entry, writer in
            switch defect {
            case "kind": entry["kind"] = "transformer"
            case "input": entry["input"] = "tags"
            case "input_size": entry["input_size"] = 50
            case "context_size": entry["context_seconds"] = 3
            case "context_negative": entry["context_seconds"] = -1
            case "context_long": entry["context_seconds"] = 61
            case "context_text": entry["context_seconds"] = "3 s"
            case "pooled_size": entry["input"] = "pooled"
            case "activation": entry["layers"] = [["weight": "heads.mood.0.weight", "bias": "heads.mood.0.bias", "activation": "relu"],
                                                  ["weight": "heads.mood.1.weight", "bias": "heads.mood.1.bias", "activation": "relu"]]
            case "labels": entry["labels"] = ["a", "b", "c"]
            case "valence": entry["valence"] = [1, 2, 0, 0]
            case "scale": writer.tensors[1].values[3] = 0
            case "shape": writer.tensors[5] = ("heads.mood.1.bias", [5], [0, 0, 0, 0, 0])
            case "missing": writer.tensors.remove(at: 0)
            case "foreign": entry["input_mean"] = "backend.output.bias"
            default: Issue.record("unknown defect")
            }
        }
        #expect {
            _ = try MoodClassifier.heads(in: file, backbone: .msd)
        } throws: { error in
            let description = String(describing: error)
            return description.hasPrefix("head.safetensors: head 'mood': ") && description.contains(reason)
                && !description.contains("\n")
        }
    }
}
