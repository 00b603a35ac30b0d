#if canImport(Glibc)
import Glibc
#endif
import MoodCore
import MoodDSP
import MoodModel

/// One analysis stream's state and buffers: samples from the ring, through the log-mel front end the
/// model's `input` describes, into rolling windows of the latest samples (for the level) and the latest
/// patch of frames (`PatchWindow`, for the model), then silence gating, the classifier and the tracker.
/// The level window spans what the patch spans (`patch_frames` hops: 47,872 samples for musicnn, 2.992 s),
/// as `moodd classify`'s `WindowLevels` does, so the gate and the model look at the same audio.
///
/// Everything is allocated in `init`; `step` allocates nothing of its own but the classifier's result
/// and the events it returns. Not thread-safe: owned by the analysis loop, which is also the ring's
/// only consumer.
final class AnalysisPipeline {
    /// What one step did; nil from `step` means there was nothing to analyse.
    struct Outcome {
        var events: [MoodEvent]
        /// Whether the classifier ran (false for silent windows and classifier errors).
        var classified: Bool
        var classifierError: (any Error)?
    }

    let ring: SampleRing
    let classifier: any PatchClassifier
    private(set) var tracker: MoodTracker
    let frontEnd: LogMelFrontEnd
    /// The latest `patchFrames` frames, handed to the classifier as they lie (no copy).
    let window: PatchWindow
    let patchFrames: Int
    let melBands: Int
    /// Samples in the level window: the patch's span, `patch_frames * hop_length` (musicnn: 187 x 256).
    let windowSamples: Int
    /// More than this many unread samples means the analysis fell behind capture: skip to the newest.
    let maxBacklog: Int

    private let scratch: UnsafeMutableBufferPointer<Float>      // [readChunk] samples read from the ring
    private let samples: UnsafeMutableBufferPointer<Float>      // [windowSamples] circular, latest samples
    private var samplesHead = 0                                 // next write position in `samples`
    private var samplesFilled = 0

    static let readChunk = 4096

    /// - input: the model file's `input` (its front end, its patch), matching the classifier's patch;
    ///   `ring` holds samples at its `sampleRate`.
    /// Seconds between analyses (`analysis.hop`): how far apart the classifier's patches are.
    let hopSeconds: Double

    init(ring: SampleRing, classifier: any PatchClassifier, input: ModelInput, tracker: MoodTracker,
         hopSeconds: Double = Config().hop) throws {
        precondition(classifier.labels == tracker.labels, "the tracker must use the classifier's labels")
        precondition(classifier.hasContentHead == tracker.hasContentHead, "the tracker must know whether there is a content head")
        self.ring = ring
        self.classifier = classifier
        self.tracker = tracker
        self.hopSeconds = hopSeconds
        frontEnd = try LogMelFrontEnd(spec: input.logMelSpec)
        precondition(classifier.melBands == input.nMels, "the classifier expects \(classifier.melBands) mel bands")
        precondition(classifier.patchFrames == input.patchFrames, "the classifier expects \(classifier.patchFrames) frames")
        patchFrames = classifier.patchFrames
        melBands = classifier.melBands
        window = try PatchWindow(patchFrames: patchFrames, bands: melBands)
        windowSamples = patchFrames * frontEnd.spec.hop
        maxBacklog = 2 * windowSamples
        scratch = .allocate(capacity: Self.readChunk)
        samples = .allocate(capacity: windowSamples)
        samples.initialize(repeating: 0)
        classifier.startStream(hopSeconds: hopSeconds)
    }

    deinit {
        scratch.deallocate()
        samples.deallocate()
    }

    /// Frames collected towards the first full patch (at most `patchFrames`).
    var framesReady: Int { window.framesHeld }

    /// Takes the new samples and, if there were any and a full patch is available, analyses the
    /// latest window. `time` is monotonic seconds, `wallTime` the events' time.
    ///
    /// `limit` nil (live): everything the ring holds, skipping to the newest window when the backlog
    /// is more than two windows. `limit` n (the audio clock of a batch source): exactly the next n
    /// samples or fewer, never skipping.
    func step(time: Double, wallTime: Timestamp, limit: Int? = nil) -> Outcome? {
        if limit == nil, ring.available > maxBacklog {
            ring.discard(keepingLatest: windowSamples)
            restartWindows()
        }
        var taken = 0
        while true {
            let room = min(Self.readChunk, (limit ?? .max) - taken)
            if room <= 0 { break }
            let n = ring.read(into: UnsafeMutableBufferPointer(rebasing: scratch[..<room]))
            if n == 0 { break }
            taken += n
            let block = UnsafeBufferPointer(rebasing: scratch[..<n])
            remember(block)
            frontEnd.push(block) { frame in window.push(frame) }
        }
        guard taken > 0, window.framesHeld == patchFrames else { return nil }

        let level = levelDB()
        var raw: [Float]? = nil
        var content: [Float]? = nil
        var error: (any Error)? = nil
        if tracker.isSilent(levelDB: level) {
            classifier.startStream(hopSeconds: hopSeconds)      // the patches around silence do not join up
        } else {
            do {
                let output = try window.withLatestPatch { try classifier.classify(frames: $0) }!
                if let problem = ClassifierOutputError(output, labels: classifier.labels.count, content: tracker.hasContentHead) {
                    error = problem
                } else {
                    raw = output.mood
                    content = output.content
                }
            } catch let thrown {
                error = thrown
            }
        }
        let events = tracker.update(.init(time: time, wallTime: wallTime, levelDB: level, raw: raw, content: content))
        return Outcome(events: events, classified: raw != nil, classifierError: error)
    }

    /// Samples in the ring before stream position `position` (a `SampleRing.totalWritten`) that no
    /// step has taken yet; 0 once the analysis is past it.
    func samplesBefore(_ position: Int) -> Int {
        max(0, position - ring.totalRead)
    }

    /// The source was lost, ended or recovered when the ring had taken `position` samples
    /// (`SampleRing.totalWritten` then): the audio before and after does not join up, so the samples
    /// before it that no step took are dropped and the windows start over; `resetTracker` (lost,
    /// ended) also returns the tracker to `listening`. Samples written after `position` stay for the
    /// new windows.
    func sourceInterrupted(resetTracker: Bool, at wallTime: Timestamp, position: Int) -> [MoodEvent] {
        ring.discard(upTo: position)
        restartWindows()
        return resetTracker ? tracker.reset(at: wallTime) : []
    }

    /// RMS level of the samples in the window, dBFS; -inf for digital silence.
    func levelDB() -> Float {
        guard samplesFilled > 0 else { return -.infinity }
        var sum: Double = 0
        for i in 0..<samplesFilled {
            let x = Double(samples[i])
            sum += x * x
        }
        let meanSquare = sum / Double(samplesFilled)
        return meanSquare > 0 ? Float(10 * log10(meanSquare)) : -.infinity
    }

    private func restartWindows() {
        classifier.startStream(hopSeconds: hopSeconds)
        frontEnd.reset()
        window.reset()
        samplesHead = 0
        samplesFilled = 0
    }

    private func remember(_ block: UnsafeBufferPointer<Float>) {
        // Only the last `windowSamples` of a long block matter.
        let start = max(0, block.count - windowSamples)
        var i = start
        while i < block.count {
            let run = min(block.count - i, windowSamples - samplesHead)
            (samples.baseAddress! + samplesHead).update(from: block.baseAddress! + i, count: run)
            samplesHead = (samplesHead + run) % windowSamples
            i += run
        }
        samplesFilled = min(windowSamples, samplesFilled + block.count - start)
    }
}

/// The classifier returned the wrong number of values, or a non-finite one.
struct ClassifierOutputError: Error, CustomStringConvertible {
    var description: String

    /// nil when `output` has `labels` finite mood values and, exactly when `content`, three finite content values.
    init?(_ output: PatchOutput, labels: Int, content: Bool) {
        if output.mood.count != labels || !output.mood.allSatisfy(\.isFinite) {
            description = "the classifier returned \(output.mood.count) mood values (expected \(labels) finite probabilities)"
        } else if content, output.content?.count != ContentKind.allCases.count || !output.content!.allSatisfy(\.isFinite) {
            description = "the classifier returned \(output.content.map { "\($0.count)" } ?? "no") content values (expected 3 finite probabilities)"
        } else if !content, output.content != nil {
            description = "the classifier returned content values but declares no content head"
        } else {
            return nil
        }
    }
}
