import Foundation
import MoodCore
import MoodModel
import MoodTestKit

/// Model files for tests of the content head before (and beside) the trained one: the shipped model's
/// backbone and mood head, its own `content` head dropped, and a synthetic one added.
enum ContentModel {
    static let shipped = Fixtures.directory + "../../models/moodd-4q.safetensors"

    /// The shipped model with a `content` head that always says softmax(`logits`) (music, speech,
    /// noise), or none when nil; written to `path`.
    static func write(logits: [Float]?, labels: [String] = ContentKind.labels, to path: String) throws {
        var writer = try withoutContentHead()
        if let logits { writer.addDenseHead(name: MoodClassifier.contentHeadName, labels: labels, bias: logits) }
        try Data(writer.bytes()).write(to: URL(fileURLWithPath: path))
    }

    /// The shipped model with a `content` head that reads 3 s of context (docs/model-format.md): its
    /// logits depend only on the mean of the penultimate embedding over the window and the two before it.
    static func writeWithContext(to path: String) throws {
        var writer = try withoutContentHead()
        var rng = SeededRandom(seed: 30)
        let own = [Float](repeating: 0, count: 200)
        let weight = (0..<3).flatMap { _ in own + rng.floats(200, in: -0.01...0.01) }
        writer.addDenseHead(name: MoodClassifier.contentHeadName, labels: ContentKind.labels, inputSize: 400,
                            bias: [0, 0, 0], weight: weight, contextSeconds: 3)
        try Data(writer.bytes()).write(to: URL(fileURLWithPath: path))
    }

    /// A writer holding the shipped model less its `content` head (tensors and metadata entry).
    static func withoutContentHead() throws -> SafeTensorsWriter {
        let file = try SafeTensors(contentsOfFile: shipped)
        var writer = SafeTensorsWriter(copying: file) { !$0.hasPrefix("heads.content.") }
        let heads = try JSONSerialization.jsonObject(with: Data((file.metadata["heads"] ?? "[]").utf8)) as! [[String: Any]]
        let kept = heads.filter { $0["name"] as? String != MoodClassifier.contentHeadName }
        writer.metadata["heads"] = String(decoding: try JSONSerialization.data(withJSONObject: kept), as: UTF8.self)
        return writer
    }

    /// The shipped model without its `content` head, written once per test process: for the tests of
    /// the mood head's arithmetic and of capture, which play synthetic music (the demo, generated
    /// fixtures) that the content head need not call music.
    static let moodOnly: String = {
        let path = FileManager.default.temporaryDirectory.path + "/moodd-tests-\(getpid())-mood-only.safetensors"
        do { try write(logits: nil, to: path) } catch { fatalError("cannot write \(path): \(error)") }
        return path
    }()

    /// Logits that make `kind` win with probability about 0.98.
    static func saying(_ kind: ContentKind) -> [Float] {
        ContentKind.allCases.map { $0 == kind ? 4 : 0 }
    }

    /// Whether the shipped model has a `content` head (the trained one).
    static func shippedHasContentHead() throws -> Bool {
        try MoodClassifier(contentsOfFile: shipped).hasContentHead
    }
}
