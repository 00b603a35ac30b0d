import Foundation
import Synchronization

/// Runs a fuzz target case after case for a bounded time and reports what happened.
///
/// Each case gets its own seed, derived from the run's seed and the case's index, so any case can
/// be replayed alone: `MOODD_FUZZ_SEED=<seed> MOODD_FUZZ_CASE=<index> swift test --filter <test>`.
/// Every failure message and the crash breadcrumb (`CrashBreadcrumb`) carry that pair.
///
/// Environment (read by `Settings.fromEnvironment`):
/// - `MOODD_FUZZ_SECONDS`: the time budget (the test's default when unset; CI uses the default);
/// - `MOODD_FUZZ_SEED`: the run's seed, decimal or 0x-hex (a fixed default, so CI is reproducible);
/// - `MOODD_FUZZ_CASE`: run only this case index.
///
/// What it can't: it runs in the test's process, so a crash ends the run (after printing the
/// breadcrumb) and a case that never returns is stopped only by the watchdog, which aborts the
/// process after `hangSeconds`. Resident memory is the whole process's: run fuzz tests alone
/// (`--no-parallel`) for the memory numbers to mean anything.
public enum FuzzLoop {
    public struct Settings: Sendable {
        public var seconds: Double
        public var seed: UInt64
        /// Only this case, when replaying one.
        public var onlyCase: Int?
        /// A case slower than this is reported as a failure (a hang candidate), and the loop goes on.
        public var slowCaseSeconds: Double = 5
        /// A case still running after this aborts the process, printing its seed and index.
        public var hangSeconds: Double = 120
        /// More failures than this end the run early.
        public var maxFailures = 20

        public init(seconds: Double, seed: UInt64, onlyCase: Int? = nil) {
            self.seconds = seconds
            self.seed = seed
            self.onlyCase = onlyCase
        }

        public static func fromEnvironment(defaultSeconds: Double, defaultSeed: UInt64) -> Settings {
            let env = ProcessInfo.processInfo.environment
            let seconds = env["MOODD_FUZZ_SECONDS"].flatMap(Double.init) ?? defaultSeconds
            let seed = env["MOODD_FUZZ_SEED"].flatMap { text in
                text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
            } ?? defaultSeed
            return Settings(seconds: seconds, seed: seed, onlyCase: env["MOODD_FUZZ_CASE"].flatMap { Int($0) })
        }
    }

    public struct Report: Sendable, CustomStringConvertible {
        public var target: String
        public var seed: UInt64
        public var cases = 0
        public var seconds = 0.0
        /// How many cases ended with each outcome label the body returned.
        public var outcomes: [String: Int] = [:]
        public var failures: [String] = []
        public var slowestCase = (index: 0, seconds: 0.0)
        /// Resident bytes at the end less those after the first case, each measured after
        /// `ResidentMemory.releaseFreeMemory()` (nil without /proc).
        public var residentGrowth: Int?
        /// The largest rise of the resident high-water mark over one case (nil without /proc).
        public var largestCasePeak: (index: Int, bytes: Int)?

        public var casesPerSecond: Double { seconds > 0 ? Double(cases) / seconds : 0 }

        public var description: String {
            let mb = { (b: Int) in String(format: "%.1f MB", Double(b) / 1_048_576) }
            let top = outcomes.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \($0.value)" }
            return "fuzz \(target): seed 0x\(String(seed, radix: 16)), \(cases) cases in "
                + String(format: "%.1f s (%.0f/s)", seconds, casesPerSecond)
                + "; slowest #\(slowestCase.index) " + String(format: "%.2f s", slowestCase.seconds)
                + "; RSS growth \(residentGrowth.map(mb) ?? "?"), largest case peak "
                + (largestCasePeak.map { "\(mb($0.bytes)) (#\($0.index))" } ?? "?")
                + "; \(failures.count) failures; " + top.joined(separator: ", ")
        }
    }

    /// The seed of case `index` of a run seeded with `seed`.
    public static func caseSeed(_ seed: UInt64, _ index: Int) -> UInt64 {
        var rng = SeededRandom(seed: seed ^ (UInt64(index) &* 0xD6E8_FEB8_6659_FD93))
        return rng.next()
    }

    /// Calls `body(index, caseSeed)` until the budget is spent (at least once). The body returns an
    /// outcome label ("decoded", "rejected: truncated") or throws to report a failure, whose
    /// description becomes the failure's message.
    public static func run(_ target: String, settings: Settings, body: (Int, UInt64) throws -> String) -> Report {
        var report = Report(target: target, seed: settings.seed)
        let watchdog = Watchdog(hangSeconds: settings.hangSeconds)
        defer { watchdog.stop() }
        let start = ContinuousClock.now
        var baseline: Int?
        let peakTracking = ResidentMemory.resetPeak()
        var index = settings.onlyCase ?? 0
        repeat {
            let seed = caseSeed(settings.seed, index)
            let replay = "MOODD_FUZZ_SEED=0x\(String(settings.seed, radix: 16)) MOODD_FUZZ_CASE=\(index)"
            CrashBreadcrumb.set("fuzz \(target): the process died in case \(index) (replay: \(replay))")
            watchdog.begin(replay: replay)
            if peakTracking { ResidentMemory.resetPeak() }
            let before = ResidentMemory.current()
            let caseStart = ContinuousClock.now
            do {
                report.outcomes[try body(index, seed), default: 0] += 1
            } catch {
                report.failures.append("case \(index) (\(replay)): \(error)")
            }
            let elapsed = (ContinuousClock.now - caseStart) / .seconds(1)
            watchdog.end()
            if elapsed > report.slowestCase.seconds { report.slowestCase = (index, elapsed) }
            if elapsed > settings.slowCaseSeconds {
                report.failures.append("case \(index) (\(replay)): took \(String(format: "%.1f", elapsed)) s, a hang candidate")
            }
            if peakTracking, let before, let peak = ResidentMemory.peak(), peak - before > report.largestCasePeak?.bytes ?? -1 {
                report.largestCasePeak = (index, peak - before)
            }
            if baseline == nil {
                ResidentMemory.releaseFreeMemory()
                baseline = ResidentMemory.current()
            }
            report.cases += 1
            index += 1
        } while settings.onlyCase == nil && (ContinuousClock.now - start) / .seconds(1) < settings.seconds
            && report.failures.count < settings.maxFailures
        CrashBreadcrumb.clear()
        report.seconds = (ContinuousClock.now - start) / .seconds(1)
        ResidentMemory.releaseFreeMemory()
        if let baseline, let end = ResidentMemory.current() { report.residentGrowth = end - baseline }
        return report
    }

    /// A thread that aborts the process if one case runs past `hangSeconds`: a real hang would
    /// otherwise stall CI with no word of which case it was.
    final class Watchdog: Sendable {
        private let caseStarted = Atomic<UInt64>(0)  // ns on the monotonic clock; 0 between cases
        private let stopped = Atomic<Bool>(false)
        private let replay = Mutex("")

        init(hangSeconds: Double) {
            let limit = UInt64(hangSeconds * 1e9)
            let thread = Thread { [self] in
                while !stopped.load(ordering: .relaxed) {
                    let started = caseStarted.load(ordering: .relaxed)
                    if started != 0, DispatchTime.now().uptimeNanoseconds - started > limit {
                        let line = "fuzz: a case ran over \(Int(hangSeconds)) s; aborting (replay: \(replay.withLock { $0 }))\n"
                        FileHandle.standardError.write(Data(line.utf8))
                        CrashBreadcrumb.clear()
                        abort()
                    }
                    usleep(200_000)
                }
            }
            thread.start()
        }

        func begin(replay line: String) {
            replay.withLock { $0 = line }
            caseStarted.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
        }

        func end() { caseStarted.store(0, ordering: .relaxed) }
        func stop() { stopped.store(true, ordering: .relaxed) }
    }
}
