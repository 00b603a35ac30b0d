import MoodCore
import MoodDSP
import MoodModel

/// What `moodd classify` and `moodd scan` do to one file: cut it into the model's patches every `hopFrames`,
/// gate silence by level (with a content head), run the model on the rest, and add each window to a
/// `FileMood`. Not thread-safe (the classifier's scratch buffers): one per thread.
struct FileClassifier {
    let classifier: MoodClassifier
    let hopFrames: Int
    let silenceThresholdDB: Double
    let timeline: Bool

    /// The file's verdict.
    func classify(_ file: String) throws -> FileMood {
        try classifyCountingSamples(file).mood
    }

    /// The file's verdict and the seconds of audio it holds (samples decoded at the model's rate).
    func classifyCountingSamples(_ file: String) throws -> (mood: FileMood, seconds: Double) {
        var result = FileMood(file: file, labels: classifier.labels, hasContentHead: classifier.hasContentHead, timeline: timeline)
        let input = classifier.input
        let spec = input.logMelSpec
        var levels = WindowLevels(hop: spec.hop)
        var mood = [Float](repeating: 0, count: classifier.labels.count)
        var content = [Float](repeating: 0, count: classifier.hasContentHead ? ContentKind.allCases.count : 0)
        let threshold = Float(silenceThresholdDB)
        let patchFrames = classifier.patchFrames
        var samples = 0
        var k = 0
        let hopSeconds = Double(hopFrames * spec.hop) / Double(spec.sampleRate)
        classifier.startStream(hopSeconds: hopSeconds)
        try PatchRunner.forEachPatch(of: file, input: input, hopFrames: hopFrames, samples: { levels.push($0); samples += $0.count }) { patch in
            var window = FileMood.Window(start: Double(k * hopFrames * spec.hop) / Double(spec.sampleRate))
            let silent = classifier.hasContentHead && !(levels.levelDB(frames: k * hopFrames..<k * hopFrames + patchFrames) >= threshold)
            if silent {
                window.kind = FileMood.silence
                classifier.startStream(hopSeconds: hopSeconds)  // the patches around silence do not join up
            } else {
                mood.withUnsafeMutableBufferPointer { m in
                    content.withUnsafeMutableBufferPointer { c in classifier.classify(frames: patch, into: m, content: c) }
                }
                window.mood = mood
                if classifier.hasContentHead {
                    window.content = content
                    window.kind = ContentKind.argmax(content).rawValue
                }
            }
            result.add(window)
            k += 1
        }
        return (result, Double(samples) / Double(spec.sampleRate))
    }
}
