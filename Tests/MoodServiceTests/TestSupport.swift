import Foundation
import Logging
import MoodCore
@testable import MoodService
import MoodSystem
import MoodTestKit
import ServiceLifecycle
import Synchronization

/// A `LogHandler` that keeps every message, so tests can count what the daemon reported.
final class LogRecorder: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
        /// Monotonic seconds.
        var at = SystemClock.now.seconds
    }

    private let entries = Mutex<[Entry]>([])

    var all: [Entry] { entries.withLock { $0 } }

    func count(_ level: Logger.Level) -> Int { all.filter { $0.level == level }.count }

    func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    var logger: Logger {
        var logger = Logger(label: "test") { _ in Handler(recorder: self) }
        logger.logLevel = .debug
        return logger
    }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var flat: [String: String] = [:]
            for (k, v) in event.metadata ?? [:] { flat[k] = "\(v)" }
            recorder.append(Entry(level: event.level, message: "\(event.message)", metadata: flat))
        }
    }
}

/// Runs `services` in a `ServiceGroup` around `body`, then shuts the group down gracefully and
/// waits for it; returns `body`'s result.
func withRunning<R: Sendable>(
    _ services: [any Service], logger: Logger = LogRecorder().logger,
    _ body: @Sendable (ServiceGroup) async throws -> R
) async throws -> R {
    let group = ServiceGroup(services: services, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let result: R
        do {
            result = try await body(group)
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return result
    }
}

/// Blocking client code, off the cooperative pool (see `offPool`).
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await offPool(body)
}

/// Common fixtures.
enum Sample {
    static let labels = MoodLabels.quadrants

    static func hub(maxClients: Int = 32) -> EventHub {
        EventHub(
            hello: MoodEvent.Hello(model: "test-model", labels: labels.names, hop: 1.5),
            tracker: MoodTracker(labels: labels, settings: .init()), sourceName: "file:test.wav", maxClients: maxClients,
            clock: { Timestamp(millisecondsSinceEpoch: 1_795_255_200_000) })
    }

    static func mood(_ n: Int, label: MoodState = .label("happy")) -> MoodEvent {
        .mood(MoodEvent.Mood(
            time: Timestamp(millisecondsSinceEpoch: 1_795_255_200_000 + Int64(n)), label: label, confidence: 0.7,
            probabilities: Distribution(labels: labels.names, values: [0.7, 0.1, 0.1, 0.1]),
            raw: Distribution(labels: labels.names, values: [0.6, 0.2, 0.1, 0.1]), valence: 0.6, arousal: 0.6,
            levelDB: -20))
    }

    static func source(_ state: MoodEvent.SourceState) -> MoodEvent.Source {
        MoodEvent.Source(state: state, source: "file:test.wav", overruns: 0, lostFrames: 0,
                         time: Timestamp(millisecondsSinceEpoch: 1_795_255_200_000))
    }

    /// Number of open descriptors of this process.
    static func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    /// Resident set size of this process, bytes.
    static func residentBytes() -> Int {
        ResidentMemory.current() ?? -1
    }
}

extension MoodEvent {
    var isMood: Bool { if case .mood = self { true } else { false } }
}
