#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodCore
import MoodTestKit
import Testing

/// The whole daemon with its log on a full disk: `RLIMIT_FSIZE` (set by util-linux's `prlimit`
/// before moodd starts, raised on the running process later) makes every log write past 8 KiB fail
/// with EFBIG, as a full file system fails with ENOSPC.
@Suite(.serialized, .timeLimit(.minutes(2))) struct DaemonFullDiskTests {
    static let prlimit = executablePath("prlimit")
    static let limit = 8192

    /// While the log cannot grow, the socket keeps receiving moods, the error is reported once per
    /// episode, and the file holds only whole lines; when space returns, logging resumes with a note of the lines
    /// lost, and the daemon still stops cleanly.
    @Test(.enabled(if: prlimit != nil, "util-linux prlimit is missing"))
    func keepsPublishingWhileTheLogCannotGrowAndResumesAfter() async throws {
        try await offPool {
            let repository = URL(fileURLWithPath: Fixtures.directory).deletingLastPathComponent().deletingLastPathComponent().path
            let daemon = try RunningDaemon(
                ["--source", "file+loop+unpaced:" + repository + "/examples/demo.ogg"],
                wrapper: [Self.prlimit!, "--fsize=\(Self.limit):unlimited", "--"])
            let client = try UnixLineClient(path: daemon.socketPath)
            /// Keeps reading (a subscriber that stops reading is dropped) until `condition` holds.
            func readUntil(_ seconds: Double, _ condition: () -> Bool) -> Bool {
                let deadline = monotonicSeconds() + seconds
                while monotonicSeconds() < deadline, !condition() { _ = try? client.readLine(timeout: 0.05) }
                return condition()
            }
            func readMoods(_ count: Int) throws -> Int {
                var seen = 0
                while seen < count, let line = try client.readLine(timeout: 10) {
                    if line.hasPrefix("{\"event\":\"mood\"") { seen += 1 }
                }
                return seen
            }

            // Fill the log to the limit: a few dozen mood lines.
            let full = readUntil(30) { daemon.stderr.contains("cannot write the event log") }
            #expect(full, "no log error reported: \(daemon.stderr)")
            #expect(daemon.stderr.contains("File too large"))
            #expect(daemon.logSize <= Self.limit)

            // The socket goes on: 100 more moods while the log stays under the limit. Lines differ
            // in length by a few bytes, so a shorter one may still fit in what is left; it is
            // written whole, but the next one fails again: one episode, one error report, no
            // recovery (LogWriteHealth).
            #expect(try readMoods(100) == 100)
            #expect(daemon.logSize <= Self.limit)
            let stuck = daemon.stderr
            let failures = stuck.components(separatedBy: "cannot write the event log").count - 1
            let recoveries = stuck.components(separatedBy: "event log writable again").count - 1
            #expect(failures == 1 && recoveries == 0, "one episode reported as several: \(stuck)")
            let lines = daemon.log.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.last == "", "the log ends mid-line")
            for line in lines.dropLast() {
                #expect((try? MoodEvent(jsonLine: Array(line.utf8))) != nil, "not a whole event: \(line)")
            }

            // Space returns: the next lines land, and the recovery is reported with the count lost.
            #expect(try runTool(Self.prlimit!, ["--pid", "\(daemon.process.pid)", "--fsize=unlimited:unlimited"], environment: [:]) == 0)
            let resumed = readUntil(30) { daemon.logSize > Self.limit + 1000 }
            #expect(resumed)
            #expect(daemon.stderr.contains("event log writable again"))
            #expect(daemon.stderr.range(of: "lost_lines=[1-9][0-9]*", options: .regularExpression) != nil, "\(daemon.stderr)")
            #expect(daemon.stop() == 0)
            for line in daemon.log.split(separator: "\n") {
                #expect((try? MoodEvent(jsonLine: Array(line.utf8))) != nil, "not a whole event: \(line)")
            }
        }
    }
}
