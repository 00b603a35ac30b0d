import MoodCore
import MoodModel
import MoodSystem

/// Classifies `paths` on one thread per classifier (each thread owns one: their scratch buffers are
/// not shared) and hands every outcome to the calling thread, which alone writes the database.
/// Memory is bounded per job: a worker holds one file's decoding state at a time.
final class ParallelScan: @unchecked Sendable {
    // @unchecked: `next`, `results`, `running` are guarded by `condition`.
    typealias Outcome = Result<(mood: FileMood, seconds: Double), any Error>

    private let paths: [String]
    private let classifiers: [MoodClassifier]
    private let condition = ThreadCondition()
    private var next = 0
    private var results: [(Int, Outcome)] = []
    private var running = 0

    init(paths: [String], classifiers: [MoodClassifier]) {
        self.paths = paths
        self.classifiers = classifiers
    }

    /// Runs until every item has an outcome, calling `onResult` on this thread, in completion order.
    func run(_ onResult: (Int, Outcome) -> Void) {
        let workers = min(classifiers.count, paths.count)
        guard workers > 0 else { return }
        condition.withLock { running = workers }
        var started = 0
        for w in 0..<workers {
            let classifier = classifiers[w]
            do {
                try SystemThread.start("scan \(w)") { self.work(Self.fileClassifier(classifier)) }
                started += 1
            } catch {
                condition.withLock { running -= 1 }
            }
        }
        if started == 0 { work(Self.fileClassifier(classifiers[0])) }
        while true {
            let (batch, done): ([(Int, Outcome)], Bool) = condition.withLock {
                while results.isEmpty, running > 0 { condition.wait(until: nil) }
                defer { results.removeAll() }
                return (results, running == 0)
            }
            for (index, outcome) in batch { onResult(index, outcome) }
            if done { return }
        }
    }

    /// As `moodd classify` does with its defaults (a window every half patch, the daemon's silence level).
    private static func fileClassifier(_ classifier: MoodClassifier) -> FileClassifier {
        FileClassifier(classifier: classifier, hopFrames: PatchRunner.defaultHopFrames(classifier.patchFrames), silenceThresholdDB: Config().silenceThresholdDB, timeline: false)
    }

    private func work(_ classifier: FileClassifier) {
        while true {
            let index: Int? = condition.withLock {
                guard next < paths.count else { return nil }
                defer { next += 1 }
                return next
            }
            guard let index else { break }
            let outcome: Outcome = Result { try classifier.classifyCountingSamples(paths[index]) }
            condition.withLock {
                results.append((index, outcome))
                condition.broadcast()
            }
        }
        condition.withLock {
            running -= 1
            condition.broadcast()
        }
    }
}
