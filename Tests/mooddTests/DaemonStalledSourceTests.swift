#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodCore
import MoodTestKit
import Synchronization
import Testing

/// A source that stops delivering without an error: `--source stdin:16000:1` on a FIFO the test
/// holds open, writes real-time audio into, stops writing (without closing: no EOF), then writes
/// again. Before `audio.stall_timeout` the daemon went on announcing the last mood for as long as
/// the writer was silent, with no `source` event at all.
@Suite(.serialized, .timeLimit(.minutes(1))) struct DaemonStalledSourceTests {
    static let stallTimeout = 2.0

    /// Writes 0.1 s of a 440 Hz tone at -12 dBFS (s16le, 16 kHz mono) every 0.1 s while `writing` holds.
    final class Writer: Sendable {
        let fd: Int32
        let writing = Atomic<Bool>(true)
        let stopped = Atomic<Bool>(false)

        init(fd: Int32) {
            self.fd = fd
            Thread.detachNewThread { [self] in
                var phase = 0
                while !stopped.load(ordering: .relaxed) {
                    if writing.load(ordering: .relaxed) {
                        var chunk = [Int16](repeating: 0, count: 1600)
                        for i in chunk.indices {
                            chunk[i] = Int16(8200 * sin(2 * Double.pi * 440 * Double(phase + i) / 16000))
                        }
                        phase += chunk.count
                        _ = chunk.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
                    }
                    usleep(100_000)
                }
            }
        }
    }

    /// What the test saw; asserted on after the run (issues recorded off the test's task are not
    /// attributed to it).
    struct Run: Sendable {
        var announced: MoodState?
        var lost: MoodEvent.Source?
        /// Seconds from the writer's last chunk to the `lost` event.
        var lostAfter: Double?
        var listeningAfterLost = false
        var listeningBeforeLost = false
        var status: MoodEvent.Snapshot?
        /// Seconds from the first chunk written again to `recovered`.
        var recoveredAfter: Double?
        var exitStatus: Int32?
        var stderr = ""
    }

    @Test func aSourceThatGoesQuietIsLostAsStalledThenRecovers() async throws {
        let run = try await offPool { () throws -> Run in
            var run = Run()
            let directory = try TemporaryDirectory()
            let fifo = directory.path + "/audio"
            guard mkfifo(fifo, 0o600) == 0 else { throw RunningDaemon.DidNotStart(description: "mkfifo failed") }
            let fd = open(fifo, O_RDWR)  // the writer end, open before moodd (which opens it for reading)
            guard fd >= 0 else { throw RunningDaemon.DidNotStart(description: "cannot open the FIFO") }
            defer { close(fd) }
            let writer = Writer(fd: fd)
            defer { writer.stopped.store(true, ordering: .relaxed) }

            let daemon = try RunningDaemon(
                ["--source", "stdin:16000:1", "--set", "audio.stall_timeout=\(Self.stallTimeout)",
                 "--set", "smoothing.initial_dwell=0", "--set", "smoothing.time_constant=0", "--hop", "0.5"],
                stdinPath: fifo)
            let client = try UnixLineClient(path: daemon.socketPath)
            defer { client.close() }

            /// The next event within `timeout` s; nil when none came (or the daemon hung up).
            func poll(_ timeout: Double) -> MoodEvent? {
                (try? client.readEvent(timeout: timeout)) ?? nil
            }
            /// The next event matching `match` within `timeout` s (others skipped).
            func next(within timeout: Double, _ match: (MoodEvent) -> Bool) -> MoodEvent? {
                let deadline = monotonicSeconds() + timeout
                while monotonicSeconds() < deadline {
                    if let event = poll(max(0.01, deadline - monotonicSeconds())), match(event) { return event }
                }
                return nil
            }

            // Audio flows: a state other than listening is announced.
            if case .change(let c)? = next(within: 20, {
                if case .change(let c) = $0 { return c.to != .listening }
                return false
            }) {
                run.announced = c.to
            } else {
                run.stderr = daemon.stderr
                return run
            }

            // The writer goes quiet without closing the pipe.
            writer.writing.store(false, ordering: .relaxed)
            let quietSince = monotonicSeconds()
            while monotonicSeconds() < quietSince + Self.stallTimeout + 4, run.lost == nil || !run.listeningAfterLost {
                guard let event = poll(0.2) else { continue }
                switch event {
                case .source(let s) where s.state == .lost:
                    run.lost = s
                    run.lostAfter = monotonicSeconds() - quietSince
                case .change(let c) where c.to == .listening:
                    if run.lost == nil { run.listeningBeforeLost = true } else { run.listeningAfterLost = true }
                default:
                    break
                }
            }
            try client.send("{\"cmd\":\"status\"}\n")
            if case .status(let s)? = next(within: 5, { if case .status = $0 { return true }; return false }) {
                run.status = s
            }

            // Writing again: recovered, promptly.
            writer.writing.store(true, ordering: .relaxed)
            let resumedAt = monotonicSeconds()
            if next(within: 5, { if case .source(let s) = $0 { return s.state == .recovered }; return false }) != nil {
                run.recoveredAfter = monotonicSeconds() - resumedAt
            }
            run.exitStatus = daemon.stop()
            run.stderr = daemon.stderr
            return run
        }
        try #require(run.announced != nil, "nothing announced while audio flowed: \(run.stderr)")
        let lost = try #require(run.lost, "no source lost within stall_timeout + 4 s: \(run.stderr)")
        #expect(lost.reason == "stalled")
        #expect(lost.source == "stdin:16000:1")
        let after = try #require(run.lostAfter)
        print("stalled source: lost \(after) s after the writer went quiet (stall_timeout \(Self.stallTimeout) s)")
        // The last chunk went out up to 0.1 s before the writer went quiet; checks are 0.2 s apart.
        #expect(after >= Self.stallTimeout - 0.3 && after < Self.stallTimeout + 3, "lost after \(after) s")
        #expect(!run.listeningBeforeLost, "listening before the source was declared lost")
        #expect(run.listeningAfterLost, "the announced state did not return to listening")
        #expect(run.status?.label == .listening, "\(String(describing: run.status))")
        #expect(run.status?.source.state == .lost, "\(String(describing: run.status))")
        let recovered = try #require(run.recoveredAfter, "no recovered within 5 s of writing again: \(run.stderr)")
        print("stalled source: recovered \(recovered) s after writing resumed")
        #expect(run.stderr.contains("audio source stalled"), "\(run.stderr)")
        #expect(run.exitStatus == 0)
    }
}
