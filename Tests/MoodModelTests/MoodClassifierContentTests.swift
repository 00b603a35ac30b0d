import Foundation
@testable import MoodModel
import MoodCore
import MoodTestKit
import Testing

/// The classifier with a `content` head beside the mood head: one backbone pass feeds both, the
/// content head is found by name and must have exactly the labels music, speech, noise.
@Suite struct MoodClassifierContentTests {
    static let moodLabels = ["happy", "angry", "sad", "relaxed"]

    /// A random small backbone with a random mood head on `penultimate` and, unless nil, a random head
    /// with `contentLabels` named `content` on `pooled`.
    static func file(contentLabels: [String]? = ContentKind.labels, path: String = "two-heads.safetensors") throws -> SafeTensors {
        var writer = SafeTensorsWriter.randomModel(smallConfig, seed: 21)
        var rng = SeededRandom(seed: 22)
        let pen = smallConfig.denseUnits, pooled = smallConfig.pooledCount
        writer.addDenseHead(name: "mood", labels: moodLabels, inputSize: pen, bias: rng.floats(4), weight: rng.floats(4 * pen, in: -0.3...0.3))
        if let contentLabels {
            writer.addDenseHead(name: "content", labels: contentLabels, input: "pooled", inputSize: pooled,
                                bias: rng.floats(contentLabels.count), weight: rng.floats(contentLabels.count * pooled, in: -0.1...0.1))
        }
        return try SafeTensors(bytes: writer.bytes(), path: path)
    }

    static func classifier(_ file: SafeTensors) throws -> MoodClassifier {
        let weights = try MusicnnWeights(file: file, config: smallConfig)
        let heads = try MoodClassifier.heads(in: file, backbone: smallConfig)
        return try MoodClassifier(
            network: Musicnn(weights: weights), head: heads.first { $0.name == "mood" }!,
            contentHead: heads.first { $0.name == "content" }, modelName: "m", path: file.path)
    }

    /// Softmax(W x + b) in Double, the head's entry read back from the file (identity standardisation).
    static func direct(_ file: SafeTensors, head: String, input x: [Float]) -> [Double] {
        let w = file.floats("heads.\(head).0.weight")!, b = file.floats("heads.\(head).0.bias")!
        let logits = b.indices.map { o in Double(b[o]) + x.indices.reduce(0.0) { $0 + Double(w[o * x.count + $1]) * Double(x[$1]) } }
        let e = logits.map { exp($0 - logits.max()!) }
        return e.map { $0 / e.reduce(0, +) }
    }

    @Test func oneForwardPassFeedsBothHeads() throws {
        let file = try Self.file()
        let classifier = try Self.classifier(file)
        #expect(classifier.hasContentHead && classifier.contentHead?.input == .pooled)
        var rng = SeededRandom(seed: 5)
        let patch = rng.floats(smallConfig.frames * smallConfig.bands, in: 0...3)
        let output = try patch.withUnsafeBufferPointer { try classifier.classify(frames: $0) }

        let network = Musicnn(weights: try MusicnnWeights(file: file, config: smallConfig)), state = network.makeState()
        let (penultimate, _) = network.forward(patch: patch, state: state)
        #expect(maxAbsDiff(output.mood, Self.direct(file, head: "mood", input: penultimate)) < 1e-5)
        let content = try #require(output.content)
        #expect(maxAbsDiff(content, Self.direct(file, head: "content", input: state.pooledFeatures)) < 1e-5)
        // The mood is what the same model without a content head says.
        let moodOnly = try MoodClassifier(network: network, head: classifier.head, modelName: "m", path: file.path)
        let alone = try patch.withUnsafeBufferPointer { try moodOnly.classify(frames: $0) }
        #expect(alone.mood == output.mood && alone.content == nil && !moodOnly.hasContentHead)
    }

    @Test(arguments: [["music", "speech"], ["speech", "music", "noise"], ["music", "speech", "noise", "silence"]])
    func refusesAContentHeadWithOtherLabels(labels: [String]) throws {
        let file = try Self.file(contentLabels: labels)
        #expect {
            _ = try Self.classifier(file)
        } throws: { error in
            let text = String(describing: error)
            return text == "two-heads.safetensors: head 'content': labels must be exactly [\"music\", \"speech\", \"noise\"] (in this order), got \(labels)"
        }
    }

    /// From a file: the mood head is the first not called `content`, whatever the order; a file with
    /// only a content head has no mood to give.
    @Test func headsAreFoundByName() throws {
        let dir = try TemporaryDirectory()
        var writer = SafeTensorsWriter.randomModel(.msd, seed: 1)
        writer.addDenseHead(name: "content", labels: ContentKind.labels, bias: [0, 1, 0])
        try Data(writer.bytes()).write(to: URL(fileURLWithPath: dir.path + "/only.safetensors"))
        #expect {
            _ = try MoodClassifier(contentsOfFile: dir.path + "/only.safetensors")
        } throws: { String(describing: $0).hasSuffix("no mood head (only 'content'); the model has content") }
        writer.addDenseHead(name: "mood", labels: Self.moodLabels, bias: [0, 0, 1, 0])
        try Data(writer.bytes()).write(to: URL(fileURLWithPath: dir.path + "/both.safetensors"))
        let classifier = try MoodClassifier(contentsOfFile: dir.path + "/both.safetensors")
        #expect(classifier.head.name == "mood" && classifier.contentHead?.name == "content")
        #expect(classifier.labels.names == Self.moodLabels)
    }
}
