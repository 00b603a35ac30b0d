#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodCore
import MoodTestKit
import Synchronization
import Testing

/// The whole daemon (real model, paced file, hop 0.5 s) with one healthy subscriber, first alone
/// (baseline), then while hostile clients do their worst at once: 200 more subscribers, one that
/// never reads, one that sends 10 MB without a newline, 200 that leave in the middle of an event,
/// and 10,000 connect/close cycles. The analysis cadence and the healthy client's latency are
/// compared with the baseline; descriptors and memory after the attack with before it. At the
/// default settings (`socket.max_clients` 32): the subscribers beyond the places are refused, and
/// the non-reader loses its place to a newcomer once its writes stall (`ClientAdmission`).
@Suite(.serialized, .timeLimit(.minutes(3))) struct DaemonHostileClientsTests {
    static let hop = 0.5

    @Test func cadenceAndAHealthyClientHoldUpUnderHostileClients() async throws {
        let r = try await offPool { try Self.scenario() }
        print("""
            hostile clients (hop \(Self.hop) s): baseline \(r.baseline.summary); under attack \(r.attack.summary); \
            \(r.cycles) connect/close cycles in \(String(format: "%.1f", r.attackSeconds)) s; \
            descriptors \(r.descriptorsBefore) -> \(r.descriptorsAfter); RSS \(r.residentBefore >> 20) -> \(r.residentAfter >> 20) MiB
            """)
        #expect(r.exitStatus == 0)
        #expect(r.healthyStayedConnected)
        // The analysis kept its grid: same median interval (within 10 %), no hop skipped.
        #expect(abs(r.attack.medianInterval - r.baseline.medianInterval) <= 0.1 * r.baseline.medianInterval)
        #expect(r.attack.maxInterval < 2 * Self.hop, "an analysis was skipped or delayed")
        #expect(Double(r.attack.moods) >= r.attackSeconds / Self.hop - 2)
        // The healthy client is never held up by another: a queue shared with the non-reader or a
        // write blocked on it would show as seconds. Its latency (event time to arrival, inference
        // included) does rise with the CPU the attack takes on 2 cores, the test's own threads among
        // it; `scripts/bench --hostile` measures that against the 10 % goal in a release build.
        #expect(r.attack.medianLatency < r.baseline.medianLatency + 0.1)
        #expect(r.attack.p99Latency < 1)
        #expect(r.cycles == 10_000)
        #expect(r.garbageAnswered, "no error line for 10 MB without a newline")
        #expect(r.descriptorsAfter == r.descriptorsBefore)
        #expect(r.residentAfter - r.residentBefore < 32 << 20)
    }

    struct Phase: Sendable {
        var moods = 0
        var medianInterval = 0.0
        var maxInterval = 0.0
        var medianLatency = 0.0
        var p99Latency = 0.0
        var summary: String {
            String(format: "%d moods, interval median %.3f s max %.3f s, latency median %.1f ms p99 %.1f ms",
                   moods, medianInterval, maxInterval, medianLatency * 1000, p99Latency * 1000)
        }

        /// `arrivals`: (monotonic arrival, event time -> arrival in seconds) of consecutive moods.
        init(_ arrivals: [(at: Double, latency: Double)]) {
            moods = arrivals.count
            guard arrivals.count > 1 else { return }
            let intervals = zip(arrivals.dropFirst(), arrivals).map { $0.at - $1.at }.sorted()
            medianInterval = intervals[intervals.count / 2]
            maxInterval = intervals.last!
            let latencies = arrivals.map(\.latency).sorted()
            medianLatency = latencies[latencies.count / 2]
            p99Latency = latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
        }
        init() {}
    }

    struct Result: Sendable {
        var baseline = Phase()
        var attack = Phase()
        var attackSeconds = 0.0
        var cycles = 0
        var garbageAnswered = false
        var healthyStayedConnected = false
        var descriptorsBefore = 0
        var descriptorsAfter = 0
        var residentBefore = 0
        var residentAfter = 0
        var exitStatus: Int32?
    }

    static func scenario() throws -> Result {
        let repository = URL(fileURLWithPath: Fixtures.directory).deletingLastPathComponent().deletingLastPathComponent().path
        let daemon = try RunningDaemon([
            "--source", "file+loop:" + repository + "/examples/demo.ogg", "--hop", "\(hop)",
        ])
        let path = daemon.socketPath
        var result = Result()
        let healthy = HealthyReader(try UnixLineClient(path: path))
        healthy.start()

        // Baseline: the healthy client alone, 8 s after the first mood.
        guard waitUntil(timeout: 20, { healthy.arrivals.count > 0 }) else { return result }
        let baselineStart = monotonicSeconds()
        usleep(8_000_000)
        result.descriptorsBefore = daemon.openDescriptors
        result.residentBefore = daemon.residentBytes
        let attackStart = monotonicSeconds()

        // The attack, everything at once, for at least 8 s.
        let stop = Atomic<Bool>(false)
        let subscribers = try (0..<200).map { _ in try UnixLineClient(path: path) }
        let nonReader = try UnixLineClient(path: path, receiveBufferSize: 4096)
        let garbage = try UnixLineClient(path: path)
        let cycles = Atomic<Int>(0)
        let jobs: [@Sendable () -> Void] = [
            {  // the 200 subscribers, drained every 10 ms
                var chunk = [UInt8](repeating: 0, count: 65_536)
                while !stop.load(ordering: .relaxed) {
                    for s in subscribers {
                        while chunk.withUnsafeMutableBytes({ recv(s.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }) > 0 {}
                    }
                    usleep(10_000)
                }
            },
            {  // 10 MB without a newline, 64 KiB at a time
                let block = [UInt8](repeating: UInt8(ascii: "x"), count: 65_536)
                for _ in 0..<160 { if (try? garbage.send(block)) == nil { break } }
            },
            {  // 200 that leave mid-event, then 10,000 connect/close cycles
                var partial = [UInt8](repeating: 0, count: 37)
                for _ in 0..<200 {
                    guard let c = try? UnixLineClient(path: path) else { continue }
                    _ = partial.withUnsafeMutableBytes { recv(c.fd, $0.baseAddress, $0.count, 0) }
                    c.close()
                }
                for _ in 0..<10_000 {
                    if let c = try? UnixLineClient(path: path) { c.close(); cycles.add(1, ordering: .relaxed) }
                }
            },
        ]
        let finished = Atomic<Int>(0)
        for job in jobs {
            Thread {
                job()
                finished.add(1, ordering: .relaxed)
            }.start()
        }
        while finished.load(ordering: .relaxed) < 2 || monotonicSeconds() - attackStart < 8 { usleep(20_000) }
        result.attackSeconds = monotonicSeconds() - attackStart
        stop.store(true, ordering: .relaxed)
        while finished.load(ordering: .relaxed) < 3 { usleep(10_000) }
        result.cycles = cycles.load(ordering: .relaxed)

        // What the hostile clients got: an error for the garbage, a disconnect for the non-reader.
        while let line = try? garbage.readLine(timeout: 2) {
            if line.hasPrefix("{\"event\":\"error\"") { result.garbageAnswered = true; break }
        }
        subscribers.forEach { $0.close() }
        garbage.close()
        nonReader.close()
        _ = waitUntil(timeout: 5) { daemon.openDescriptors <= result.descriptorsBefore }
        result.descriptorsAfter = daemon.openDescriptors
        result.residentAfter = daemon.residentBytes

        let arrivals = healthy.arrivals
        result.baseline = Phase(arrivals.filter { $0.at >= baselineStart && $0.at < attackStart })
        result.attack = Phase(arrivals.filter { $0.at >= attackStart && $0.at < attackStart + result.attackSeconds })
        result.healthyStayedConnected = healthy.isConnected
        healthy.finish()
        result.exitStatus = daemon.stop()
        return result
    }
}

/// The well-behaved subscriber: reads every line on its own thread and notes when each `mood`
/// arrived and how long after its `time` it did.
final class HealthyReader: @unchecked Sendable {
    // @unchecked: `client` is used only by the reading thread after `start`; the rest is locked.
    private let client: UnixLineClient
    private let state = Mutex<(arrivals: [(at: Double, latency: Double)], connected: Bool, stop: Bool)>(([], true, false))

    init(_ client: UnixLineClient) { self.client = client }

    var arrivals: [(at: Double, latency: Double)] { state.withLock { $0.arrivals } }
    var isConnected: Bool { state.withLock { $0.connected } }

    func start() {
        Thread { [self] in
            while !state.withLock({ $0.stop }) {
                let line: String?
                do { line = try client.readLine(timeout: 0.2) } catch { continue }  // nothing within 0.2 s
                guard let line else {
                    state.withLock { $0.connected = false }
                    return
                }
                let now = monotonicSeconds()
                let wall = Timestamp(secondsSinceEpoch: Date().timeIntervalSince1970)
                guard case .mood(let mood)? = try? MoodEvent(json: line) else { continue }
                state.withLock { $0.arrivals.append((now, Double(wall.millisecondsSinceEpoch - mood.time.millisecondsSinceEpoch) / 1000)) }
            }
        }.start()
    }

    func finish() { state.withLock { $0.stop = true } }
}

/// `socket.max_clients` (32 by default) clients that connect and never read used to hold every
/// place for ~15 minutes (until their kernel buffers filled), so every other subscriber got `too
/// many clients`. At the default settings a healthy client must now be served within seconds.
@Suite(.serialized, .timeLimit(.minutes(2))) struct DaemonNonReadersTests {
    struct Result: Sendable {
        /// Seconds from the 32nd non-reader's connection to a healthy client's `hello`.
        var servedAfter: Double?
        var refusals = 0
        /// Seconds from connection to the server closing each non-reader, for those it closed.
        var evictedAfter: [Double] = []
        var stderr = ""
        var exitStatus: Int32?
    }

    @Test func thirtyTwoNonReadersDoNotLockOutAHealthyClient() async throws {
        let r = try await offPool { () throws -> Result in
            var result = Result()
            let repository = URL(fileURLWithPath: Fixtures.directory).deletingLastPathComponent().deletingLastPathComponent().path
            let daemon = try RunningDaemon(["--source", "file+loop:" + repository + "/examples/demo.ogg"])
            let nonReaders = try (0..<32).map { _ in try UnixLineClient(path: daemon.socketPath, receiveBufferSize: 4096) }
            let connected = monotonicSeconds()
            defer { nonReaders.forEach { $0.close() } }
            while result.servedAfter == nil, monotonicSeconds() < connected + 30 {
                let client = try UnixLineClient(path: daemon.socketPath)
                if let line = try? client.readLine(timeout: 2), line.hasPrefix("{\"event\":\"hello\"") {
                    result.servedAfter = monotonicSeconds() - connected
                } else {
                    result.refusals += 1
                    usleep(250_000)
                }
                client.close()
            }
            // The rest are disconnected by socket.unread_timeout (10 s of stalled writes): watch for
            // the server closing them (a read that finds end of stream after their unread lines).
            var open = Array(nonReaders.indices)
            while !open.isEmpty, monotonicSeconds() < connected + 60 {
                open.removeAll { i in
                    var peer = [UInt8](repeating: 0, count: 1)
                    let n = peer.withUnsafeMutableBytes { recv(nonReaders[i].fd, $0.baseAddress, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) }
                    let closed = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) || Self.hangUp(nonReaders[i].fd)
                    if closed { result.evictedAfter.append(monotonicSeconds() - connected) }
                    return closed
                }
                usleep(100_000)
            }
            result.exitStatus = daemon.stop()
            result.stderr = daemon.stderr
            return result
        }
        let served = try #require(r.servedAfter, "no healthy client served within 30 s (\(r.refusals) refusals): \(r.stderr)")
        let evicted = r.evictedAfter.sorted()
        print("""
            32 non-readers: a healthy client served \(served) s after they connected (\(r.refusals) refusals); \
            non-readers closed after \(evicted.first ?? -1)-\(evicted.last ?? -1) s (\(evicted.count) of 32)
            """)
        #expect(served < 15)
        #expect(evicted.count >= 31, "non-readers still connected after 60 s")
        #expect(r.exitStatus == 0)
    }

    /// True when the server has closed its end (POLLRDHUP/POLLHUP), whatever is still unread.
    static func hangUp(_ fd: Int32) -> Bool {
        let rdhup: Int16 = 0x2000  // POLLRDHUP, which Glibc does not export to Swift
        var p = pollfd(fd: fd, events: rdhup, revents: 0)
        return poll(&p, 1, 0) == 1 && p.revents & (rdhup | Int16(POLLHUP)) != 0
    }
}
