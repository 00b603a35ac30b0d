#if canImport(Glibc)
import Glibc
#endif
import MoodCore
import Synchronization

/// A deterministic `PatchClassifier` double: splits the mel bands into one group per label and
/// returns the softmax of each group's mean log-mel energy over the patch (times `sharpness`).
///
/// So a low tone reads as the first label and a high one as the last, which lets service tests
/// drive moods with sine waves; `fixed` overrides the output altogether. With `content` it has a
/// content head that returns those probabilities (changed with `setContent`). Counts its calls and can
/// take `delay` seconds per call to stand in for a slow model.
public final class BandEnergyClassifier: PatchClassifier {
    public let labels: MoodLabels
    public let modelName: String
    public let patchFrames: Int
    public let melBands: Int
    /// Multiplies the group means before the softmax: larger is more confident.
    public let sharpness: Float
    /// Seconds each call takes (busy in `nanosleep`).
    public let delay: Double
    public let hasContentHead: Bool
    private let fixedOutput: Mutex<[Float]?>
    private let contentOutput: Mutex<[Float]?>
    private let calls = Atomic<Int>(0)
    private let inFlight = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)

    public init(
        labels: MoodLabels = .quadrants, modelName: String = "band-energy-test", patchFrames: Int = 187,
        melBands: Int = 96, sharpness: Float = 4, delay: Double = 0, fixed: [Float]? = nil, content: [Float]? = nil
    ) {
        precondition(melBands >= labels.count)
        self.labels = labels
        self.modelName = modelName
        self.patchFrames = patchFrames
        self.melBands = melBands
        self.sharpness = sharpness
        self.delay = delay
        self.fixedOutput = Mutex(fixed)
        self.hasContentHead = content != nil
        self.contentOutput = Mutex(content)
    }

    /// Calls started so far.
    public var callCount: Int { calls.load(ordering: .relaxed) }
    /// Calls that returned so far.
    public var completedCount: Int { finished.load(ordering: .relaxed) }
    /// Whether a call is running now.
    public var isClassifying: Bool { inFlight.load(ordering: .relaxed) > 0 }

    /// Makes every later call return `output` (nil: back to band energies).
    public func setFixed(_ output: [Float]?) { fixedOutput.withLock { $0 = output } }

    /// Makes every later call return `content` from the content head (only with one).
    public func setContent(_ content: [Float]) {
        precondition(hasContentHead, "made without a content head")
        contentOutput.withLock { $0 = content }
    }

    public func classify(frames: UnsafeBufferPointer<Float>) throws -> PatchOutput {
        PatchOutput(mood: mood(frames), content: contentOutput.withLock { $0 })
    }

    private func mood(_ frames: UnsafeBufferPointer<Float>) -> [Float] {
        precondition(frames.count == patchFrames * melBands, "patch of \(frames.count) values")
        calls.add(1, ordering: .relaxed)
        inFlight.add(1, ordering: .relaxed)
        defer {
            inFlight.subtract(1, ordering: .relaxed)
            finished.add(1, ordering: .relaxed)
        }
        if delay > 0 { sleepSeconds(delay) }
        if let fixed = fixedOutput.withLock({ $0 }) { return fixed }
        let groups = labels.count
        var means = [Float](repeating: 0, count: groups)
        for f in 0..<patchFrames {
            for b in 0..<melBands {
                means[min(groups - 1, b * groups / melBands)] += frames[f * melBands + b]
            }
        }
        let perGroup = Float(patchFrames * melBands) / Float(groups)
        let logits = means.map { $0 / perGroup * sharpness }
        let top = logits.max()!
        let exps = logits.map { expf($0 - top) }
        let total = exps.reduce(0, +)
        return exps.map { $0 / total }
    }
}
