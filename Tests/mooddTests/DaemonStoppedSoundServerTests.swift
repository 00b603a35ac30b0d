#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodCore
import MoodTestKit
import Testing

/// `moodd run` on `pulse:spk.monitor` of a private PulseAudio server that `paplay` plays the demo
/// into, and the server frozen with SIGSTOP mid-capture: its socket stays open, nothing moves on it,
/// and the capture thread waits in its read. Issue 13 item 5 (a stalled source looks healthy), with
/// the sound server itself rather than a FIFO (DaemonStalledSourceTests).
@Suite(.serialized, .timeLimit(.minutes(1)))
struct DaemonStoppedSoundServerTests {
    static let stallTimeout = 2.0
    static let demo = LiveCaptureDaemonTests.demo  // 20 s calm, then 20 s energetic

    /// A daemon recording `spk.monitor` while paplay plays the demo into `spk`, and a subscriber.
    final class Station {
        let server: PulseServer
        let daemon: RunningDaemon
        let client: UnixLineClient
        var player: ChildProcess?

        /// `frozen`: SIGSTOP the server before the daemon connects.
        init(frozen: Bool = false) throws {
            server = try PulseServer(sink: "rate=48000 channels=2 format=s16le")
            try server.start()
            if frozen { server.freeze() }
            daemon = try RunningDaemon(
                ["--source", "pulse:spk.monitor", "--set", "audio.stall_timeout=\(DaemonStoppedSoundServerTests.stallTimeout)",
                 "--set", "smoothing.initial_dwell=0", "--set", "smoothing.time_constant=0", "--hop", "0.5"],
                environment: server.environment)
            client = try UnixLineClient(path: daemon.socketPath)
            player = try ChildProcess(PulseServer.paplay!, ["-d", "spk", DaemonStoppedSoundServerTests.demo],
                                      environment: server.environment)
        }

        deinit {
            server.thaw()
            player?.terminate()
            client.close()
        }

        /// The next event matching `match` within `seconds` (others skipped), and when it came.
        func next(within seconds: Double, _ match: (MoodEvent) -> Bool) -> (event: MoodEvent, at: Double)? {
            let end = monotonicSeconds() + seconds
            while monotonicSeconds() < end {
                guard let event = (try? client.readEvent(timeout: max(0.05, end - monotonicSeconds()))) ?? nil else { continue }
                if match(event) { return (event, monotonicSeconds()) }
            }
            return nil
        }

        /// The first mood other than listening (audio is flowing and analysed).
        func announced(within seconds: Double) -> MoodState? {
            guard case .change(let c)? = next(within: seconds, {
                if case .change(let c) = $0 { c.to != .listening } else { false }
            })?.event else { return nil }
            return c.to
        }
    }

    static func isSource(_ state: MoodEvent.SourceState) -> (MoodEvent) -> Bool {
        { if case .source(let s) = $0 { s.state == state } else { false } }
    }

    /// SIGSTOP: `lost` with reason `stalled` about `audio.stall_timeout` later, the announced state
    /// back to listening, `status` says so; SIGCONT: `recovered`, and moods are announced again.
    @Test(.enabled(if: PulseServer.isAvailable, Comment(rawValue: PulseServer.skipReason)))
    func aFrozenSoundServerIsLostAsStalledThenRecovers() async throws {
        // Real time and blocking reads: on a thread of its own, never the cooperative pool's (two
        // threads here), which the other tests need meanwhile.
        try await offPool {
            let station = try Station()
            let first = station.announced(within: 20)
            try #require(first != nil, "nothing announced from pulse:spk.monitor: \(station.daemon.stderr)")

            station.server.freeze()
            let frozenAt = monotonicSeconds()
            var lost: (event: MoodEvent.Source, after: Double)?
            var listeningAfterLost = false
            while monotonicSeconds() < frozenAt + Self.stallTimeout + 4, lost == nil || !listeningAfterLost {
                guard let (event, at) = station.next(within: 0.2, { _ in true }) else { continue }
                switch event {
                case .source(let s) where s.state == .lost: lost = (s, at - frozenAt)
                case .change(let c) where c.to == .listening && lost != nil: listeningAfterLost = true
                default: break
                }
            }
            let (event, after) = try #require(lost, "no source lost within stall_timeout + 4 s: \(station.daemon.stderr)")
            print("frozen sound server: lost \(after) s after SIGSTOP (stall_timeout \(Self.stallTimeout) s): \(event)")
            #expect(event.reason == "stalled")
            #expect(event.source == "pulse:spk.monitor")
            #expect(after >= Self.stallTimeout - 0.3 && after < Self.stallTimeout + 3, "lost after \(after) s")
            #expect(listeningAfterLost, "the announced state did not return to listening")

            try station.client.send("{\"cmd\":\"status\"}\n")
            let status = station.next(within: 5) { if case .status = $0 { true } else { false } }?.event
            if case .status(let s)? = status {
                #expect(s.label == .listening, "\(s)")
                #expect(s.source.state == .lost && s.source.reason == "stalled", "\(s)")
            } else {
                Issue.record("no status reply")
            }

            station.server.thaw()
            let thawedAt = monotonicSeconds()
            let recovered = try #require(station.next(within: 5, Self.isSource(.recovered)),
                                         "no recovered within 5 s of SIGCONT: \(station.daemon.stderr)")
            print("frozen sound server: recovered \(recovered.at - thawedAt) s after SIGCONT")
            #expect(station.announced(within: 10) != nil, "no mood announced after the recovery")
            #expect(station.daemon.stderr.contains("audio source stalled"), "\(station.daemon.stderr)")
            let exitStatus = station.daemon.stop(timeout: 5)
            #expect(exitStatus == 0, "\(station.daemon.stderr)")
        }
    }

    /// SIGTERM to the daemon while the sound server is still frozen: the capture thread waits on a
    /// server that will never answer, and must not hold the shutdown hostage: exit 0 within 2 s,
    /// socket removed, no `Cancellation took longer than allowed`.
    @Test(.enabled(if: PulseServer.isAvailable, Comment(rawValue: PulseServer.skipReason)))
    func shutdownWhileTheSoundServerIsFrozenIsClean() async throws {
        // Real time and blocking reads: on a thread of its own, never the cooperative pool's (two
        // threads here), which the other tests need meanwhile.
        try await offPool {
            let station = try Station()
            try #require(station.announced(within: 20) != nil, "nothing announced: \(station.daemon.stderr)")
            station.server.freeze()
            try #require(station.next(within: Self.stallTimeout + 4, Self.isSource(.lost)) != nil,
                         "no lost after SIGSTOP: \(station.daemon.stderr)")

            let termAt = monotonicSeconds()
            kill(station.daemon.process.pid, SIGTERM)
            let exitStatus = station.daemon.process.wait(timeout: 10)
            let took = monotonicSeconds() - termAt
            print("SIGTERM with the sound server frozen: exit \(exitStatus.map(String.init) ?? "none") after \(took) s")
            let stderr = station.daemon.stderr
            #expect(exitStatus == 0, "\(stderr)")
            #expect(took < 2.5, "took \(took) s")
            #expect(!stderr.contains("Cancellation took longer"), "\(stderr)")
            #expect(access(station.daemon.socketPath, F_OK) != 0, "socket left behind")
        }
    }

    /// A server already frozen when the daemon connects: the kernel accepts the connection, nothing
    /// answers, so the source never opens (libpulse gives up after 30 s, and retries as long). It must
    /// still be announced `lost` (`stalled`) about `audio.stall_timeout` after the start, not sit at
    /// `starting` for as long as the freeze lasts; once the server runs again, `started` and moods.
    @Test(.enabled(if: PulseServer.isAvailable, Comment(rawValue: PulseServer.skipReason)))
    func aServerFrozenBeforeTheDaemonConnectsIsLostThenStarts() async throws {
        // Real time and blocking reads: on a thread of its own, never the cooperative pool's (two
        // threads here), which the other tests need meanwhile.
        try await offPool {
            let startedAt = monotonicSeconds()
            let station = try Station(frozen: true)
            let lost = station.next(within: Self.stallTimeout + 6, Self.isSource(.lost))
            let lostAfter = lost.map { $0.at - startedAt }
            print("frozen at connect: lost \(lostAfter.map { "\($0) s" } ?? "never") after the daemon was spawned: \(String(describing: lost?.event))")
            #expect(lostAfter.map { $0 < Self.stallTimeout + 5 } == true, "no lost within stall_timeout + 5 s: \(station.daemon.stderr)")
            if case .source(let s)? = lost?.event { #expect(s.reason == "stalled") }

            station.server.thaw()
            let thawedAt = monotonicSeconds()
            let back = station.next(within: 8) { if case .source(let s) = $0 { s.state == .started || s.state == .recovered } else { false } }
            print("frozen at connect: \(back.map { "\($0.event)" } ?? "nothing") \(back.map { "\($0.at - thawedAt) s" } ?? "") after SIGCONT")
            #expect(back != nil, "no started/recovered within 8 s of SIGCONT: \(station.daemon.stderr)")
            #expect(station.announced(within: 10) != nil, "no mood announced after SIGCONT")
            #expect(station.daemon.stop(timeout: 5) == 0, "\(station.daemon.stderr)")
        }
    }

    /// SIGTERM while the capture thread waits in an open the frozen server never answers.
    @Test(.enabled(if: PulseServer.isAvailable, Comment(rawValue: PulseServer.skipReason)))
    func shutdownDuringAFrozenOpenIsClean() async throws {
        // Real time and blocking reads: on a thread of its own, never the cooperative pool's (two
        // threads here), which the other tests need meanwhile.
        try await offPool {
            let station = try Station(frozen: true)
            usleep(500_000)
            let termAt = monotonicSeconds()
            kill(station.daemon.process.pid, SIGTERM)
            let exitStatus = station.daemon.process.wait(timeout: 10)
            let took = monotonicSeconds() - termAt
            print("SIGTERM during a frozen open: exit \(exitStatus.map(String.init) ?? "none") after \(took) s")
            let stderr = station.daemon.stderr
            #expect(exitStatus == 0, "\(stderr)")
            #expect(took < 2.5, "took \(took) s")
            #expect(!stderr.contains("Cancellation took longer"), "\(stderr)")
            #expect(access(station.daemon.socketPath, F_OK) != 0, "socket left behind")
        }
    }
}
