import Foundation
import MoodCore
@testable import MoodService
import MoodSystem
import MoodTestKit
import Testing

@Suite(.timeLimit(.minutes(1))) struct EventLogTests {
    static func lines(_ path: String) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    static func numbered(_ n: Int) -> MoodEvent { Sample.mood(n) }

    /// logrotate's pattern: the file is renamed while lines keep coming, then SIGHUP makes the daemon
    /// reopen. Every line lands in exactly one of the two files, whole and in order.
    @Test func reopenAfterRenameUnderLoadLosesNoLine() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/moodd.log"
        let recorder = LogRecorder()
        let log = EventLog(path: path, format: .json, events: [.mood, .change, .source], logger: recorder.logger)
        let total = 20_000
        try await withRunning([log], logger: recorder.logger) { _ in
            let opened = await eventually { FileManager.default.fileExists(atPath: path) }
            #expect(opened)
            try await onThread {
                for n in 0..<total {
                    let event = Self.numbered(n)
                    log.receive(event, line: event.jsonLine())
                    if n % 1000 == 999 { usleep(2000) }  // a busy daemon, not a flood beyond the inbox
                    if n == total / 2 {
                        // The rename happens while earlier lines may still be queued: they follow
                        // the file to its new name, as with logrotate.
                        rename(path, path + ".1")
                        log.reopen()
                    }
                }
            }
        }
        let old = Self.lines(path + ".1")
        let new = Self.lines(path)
        #expect(old.count + new.count == total)
        let expected = (0..<total).map { Self.numbered($0).json }
        #expect(old + new == expected)
        #expect(!old.isEmpty && !new.isEmpty)
        #expect(recorder.count(.error) == 0)
    }

    /// Disk full: the first failure is reported, the next ones are not; after a reopen onto a
    /// writable file, one line says logging resumed and how many lines were lost.
    @Test func writeErrorIsReportedOnceAndLoggingResumes() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/moodd.log"
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/full")
        let recorder = LogRecorder()
        let log = EventLog(path: path, format: .json, events: [.mood], logger: recorder.logger)
        try await withRunning([log], logger: recorder.logger) { _ in
            for n in 0..<50 { log.receive(Self.numbered(n), line: Self.numbered(n).jsonLine()) }
            let settled3 = await eventually { recorder.all.contains { $0.message.contains("cannot write") } }
            #expect(settled3)
            try FileManager.default.removeItem(atPath: path)
            log.reopen()
            for n in 50..<60 { log.receive(Self.numbered(n), line: Self.numbered(n).jsonLine()) }
            let settled4 = await eventually { Self.lines(path).count == 10 }
            #expect(settled4)
        }
        let errors = recorder.all.filter { $0.level == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.metadata["error"]?.contains("No space left on device") == true)
        let resumed = recorder.all.filter { $0.message == "event log writable again" }
        #expect(resumed.count == 1)
        #expect(resumed.first?.metadata["lost_lines"] == "50")
        #expect(Self.lines(path) == (50..<60).map { Self.numbered($0).json })
    }

    /// A log that cannot even be opened (its directory is missing) is retried with every line and
    /// resumes on its own once the directory exists, no signal needed.
    @Test func missingDirectoryIsRetriedWithoutAReopen() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/later/moodd.log"
        let recorder = LogRecorder()
        let log = EventLog(path: path, format: .json, events: [.mood], logger: recorder.logger)
        try await withRunning([log], logger: recorder.logger) { _ in
            for n in 0..<5 { log.receive(Self.numbered(n), line: Self.numbered(n).jsonLine()) }
            // Every one of the 5 lines tried (and failed) before the directory appears.
            let settled5 = await eventually { recorder.count(.error) == 1 && log.queuedBytes == 0 }
            #expect(settled5)
            try FileManager.default.createDirectory(atPath: directory.path + "/later", withIntermediateDirectories: false)
            log.receive(Self.numbered(5), line: Self.numbered(5).jsonLine())
            let settled6 = await eventually { Self.lines(path).count == 1 }
            #expect(settled6)
        }
        #expect(recorder.count(.error) == 1)
        #expect(recorder.all.filter { $0.message == "event log writable again" }.first?.metadata["lost_lines"] == "5")
        #expect(Self.lines(path) == [Self.numbered(5).json])
    }

    @Test func filtersEventsAndWritesTextWhenAsked() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/moodd.log"
        let log = EventLog(path: path, format: .text, events: [.change, .source], logger: LogRecorder().logger)
        let hub = Sample.hub()
        hub.attach(log)
        let change = MoodEvent.change(.init(from: .listening, to: .label("sad"), time: Timestamp(millisecondsSinceEpoch: 0)))
        try await withRunning([log]) { _ in
            hub.publish([.source(Sample.source(.started))])
            hub.publish([change, Sample.mood(1)], tracker: MoodTracker(labels: Sample.labels, settings: .init()), overruns: 0)
            hub.publish([.error("not logged"), .status(hub.snapshot())])
        }
        #expect(Self.lines(path) == [MoodEvent.source(Sample.source(.started)).textLine(), change.textLine()])
    }

    /// Everything handed over before shutdown is on disk when `run` returns.
    @Test func flushesQueuedLinesOnShutdown() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/moodd.log"
        let log = EventLog(path: path, format: .json, events: [.mood], logger: LogRecorder().logger)
        try await withRunning([log]) { _ in
            for n in 0..<2000 { log.receive(Self.numbered(n), line: Self.numbered(n).jsonLine()) }
        }
        #expect(Self.lines(path).count == 2000)
    }
}

@Suite struct LogWriteHealthTests {
    @Test func reportsTheFirstFailureOnceAndTheRecoveryOnce() {
        var health = LogWriteHealth()
        #expect(health.succeeded() == nil)
        let full = SystemError(code: 28, operation: "write /var/log/moodd/moodd.log")
        #expect(health.failed(full) == .failing(full))
        #expect(health.failed(SystemError(code: 27, operation: "write")) == nil)
        #expect(health.failed(full) == nil)
        #expect(health.isFailing)
        #expect(health.succeeded() == nil)               // one line that fits is not yet a recovery
        #expect(health.succeeded() == .recovered(lostLines: 3))
        #expect(health.succeeded() == nil)
        #expect(health.failed(full) == .failing(full))
    }

    /// A full disk with a few bytes left: a shorter line fits, the next fails again. That is one
    /// episode (one error, one recovery once lines are written in a row), not an error per fit.
    @Test func aLineThatFitsInTheLastBytesDoesNotEndTheEpisode() {
        var health = LogWriteHealth()
        let full = SystemError(code: 27, operation: "write /var/log/moodd/moodd.log")
        var reports: [LogWriteHealth.Report] = []
        for wrote in [false, true, false, false, true, false, true, true, true] {
            if let report = wrote ? health.succeeded() : health.failed(full) { reports.append(report) }
        }
        #expect(reports == [.failing(full), .recovered(lostLines: 4)])
    }

    /// The log closes after a line was written again: the recovery is reported then.
    @Test func aRecoveryIsReportedWhenTheLogClosesAfterAWrite() {
        var health = LogWriteHealth()
        let missing = SystemError(code: 2, operation: "open /var/log/moodd/moodd.log")
        #expect(health.closing() == nil)
        #expect(health.failed(missing) == .failing(missing))
        #expect(health.closing() == nil)                 // nothing written since: still failing
        #expect(health.succeeded() == nil)
        #expect(health.closing() == .recovered(lostLines: 1))
        #expect(!health.isFailing)
    }
}
