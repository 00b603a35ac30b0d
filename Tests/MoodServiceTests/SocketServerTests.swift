#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodCore
@testable import MoodService
import MoodSystem
import MoodTestKit
import SystemPackage
import Testing

/// A server on a socket in a fresh temporary directory.
struct ServerFixture: Sendable {
    let directory: TemporaryDirectory
    let path: String
    let hub: EventHub
    let server: SocketServer
    let log: LogRecorder

    init(maxClients: Int = 32, queueEvents: Int = 256, queueBytes: Int = 262_144, mode: UInt32 = 0o660, group: String = "") throws {
        directory = try TemporaryDirectory()
        path = directory.path + "/moodd.sock"
        hub = Sample.hub(maxClients: maxClients)
        log = LogRecorder()
        server = SocketServer(
            settings: .init(path: path, mode: mode, group: group, queueEvents: queueEvents, queueBytes: queueBytes),
            hub: hub, logger: log.logger)
    }

    /// Runs the server around `body`, once it listens.
    func running<R: Sendable>(_ body: @Sendable () async throws -> R) async throws -> R {
        try await withRunning([server], logger: log.logger) { _ in
            try await server.listening.wait()
            return try await body()
        }
    }

    /// Server-side sockets of this fixture (the listener and accepted connections) that this process
    /// holds: descriptors whose socket inode `/proc/net/unix` lists under the fixture's directory.
    /// Scoped so that other tests running in parallel cannot disturb the count.
    func serverDescriptors() -> Int {
        guard let table = ProcFile.read("/proc/net/unix") else { return -1 }
        var inodes = Set<String>()
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 8, fields[7].hasPrefix(directory.path) { inodes.insert(String(fields[6])) }
        }
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.filter { fd in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd),
                  target.hasPrefix("socket:[") else { return false }
            return inodes.contains(String(target.dropFirst(8).dropLast()))
        }.count
    }
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct SocketServerTests {
    @Test func greetsWithHelloThenState() async throws {
        let f = try ServerFixture()
        let (hello, state) = try await f.running {
            try await onThread {
                let client = try UnixLineClient(path: f.path)
                return (try client.readEvent(), try client.readEvent())
            }
        }
        #expect(hello == .hello(.init(model: "test-model", labels: ["happy", "angry", "sad", "relaxed"], hop: 1.5)))
        guard case .state(let snapshot)? = state else {
            Issue.record("expected state, got \(String(describing: state))")
            return
        }
        #expect(snapshot.label == .listening)
        #expect(snapshot.counters.clients == 1)
        #expect(snapshot.source == .init(name: "file:test.wav", state: nil))
    }

    @Test func twoHundredSubscribersReceiveEveryEvent() async throws {
        let f = try ServerFixture(maxClients: 256)
        let eventCount = 50
        let received = try await f.running {
            let clients = try await onThread {
                try (0..<200).map { _ in
                    let c = try UnixLineClient(path: f.path)
                    _ = try c.readLine()  // hello
                    _ = try c.readLine()  // state
                    return c
                }
            }
            #expect(f.hub.counters.clients == 200)
            for n in 0..<eventCount { f.hub.publish([Sample.mood(n)]) }
            return try await onThread {
                try clients.map { c in try (0..<eventCount).map { _ in try c.readLine(timeout: 10) ?? "EOF" } }
            }
        }
        let expected = (0..<eventCount).map { Sample.mood($0).json }
        #expect(received.count == 200)
        #expect(received.allSatisfy { $0 == expected })
    }

    /// More commands in one write than the queue holds lines (256 by default): the replies used to
    /// overflow the queue and a client that was reading was disconnected as `too slow` (from 256
    /// pipelined commands; 300 bad lines likewise closed the connection, against "a bad command never
    /// closes the connection"). Now the server stops reading the client's input while replies fill half
    /// the queue, and every command is answered, in order, on the same connection.
    @Test func pipelinedCommandsAreAnsweredAllWithoutADisconnect() async throws {
        let f = try ServerFixture()
        let count = 3000
        let replies = try await f.running { () throws -> [String] in
            let client = try UnixLineClient(path: f.path)
            async let read = onThread { () throws -> [String] in
                var lines: [String] = []
                for _ in 0..<(2 + 2 * count) {
                    guard let line = try client.readLine(timeout: 10) else { break }
                    lines.append(line)
                }
                return lines
            }
            var batch = ""
            for n in 0..<count { batch += n % 2 == 0 ? "{\"cmd\":\"status\"}\n" : "nonsense \(n)\n" }
            for n in 0..<count { batch += n % 2 == 0 ? "{\"cmd\":\"nope\"}\n" : "{\"cmd\":\"status\"}\n" }
            let all = batch
            try await onThread { try client.send(all) }
            let lines = try await read
            let stillConnected = f.hub.counters.clients == 1
            #expect(stillConnected)
            return lines
        }
        let answers = replies.dropFirst(2)
        #expect(answers.count == 2 * count)
        #expect(answers.filter { $0.hasPrefix("{\"event\":\"status\"") }.count == count)
        #expect(answers.filter { $0.hasPrefix("{\"event\":\"error\"") }.count == count)
        #expect(!replies.contains { $0.contains("too slow") })
    }

    /// A client that never reads is disconnected once its queue overflows, while a client that reads
    /// keeps receiving every event promptly.
    @Test func disconnectsALaggardWithoutSlowingTheOthers() async throws {
        let f = try ServerFixture(queueEvents: 32, queueBytes: 16_384)
        let total = 3000
        let (latencies, laggardBytes) = try await f.running {
            let laggard = try UnixLineClient(path: f.path, receiveBufferSize: 4096)
            let healthy = try UnixLineClient(path: f.path)
            let settled7 = await eventually { f.hub.counters.clients == 2 }
            #expect(settled7)
            async let reader = onThread { () throws -> [Double] in
                _ = try healthy.readLine()
                _ = try healthy.readLine()
                var latencies: [Double] = []
                for _ in 0..<total {
                    guard let line = try healthy.readLine(timeout: 10) else { break }
                    guard case .mood(let m) = try MoodEvent(json: line) else { continue }
                    // Each event carries its publication time in milliseconds since the epoch.
                    latencies.append(Double(SystemClock().wallTime.millisecondsSinceEpoch - m.time.millisecondsSinceEpoch))
                }
                return latencies
            }
            try await onThread {
                for n in 0..<total {
                    var event = Sample.mood(n)
                    if case .mood(var m) = event {
                        m.time = SystemClock().wallTime
                        event = .mood(m)
                    }
                    f.hub.publish([event])
                    if n % 10 == 9 { usleep(5000) }  // 2,000 events/s: a storm, but one a reader can follow
                }
            }
            let latencies = try await reader
            let settled8 = await eventually { f.hub.counters.clients == 1 }
            #expect(settled8)
            let laggardBytes = try await onThread { try laggard.drainUntilClosed() }
            return (latencies, laggardBytes)
        }
        #expect(latencies.count == total)
        let sorted = latencies.sorted()
        try #require(!sorted.isEmpty)
        let p99 = sorted[Int(Double(sorted.count) * 0.99)]
        // Measured (debug build, 2 shared cores): p50 1 ms, p99 5-7 ms, max 6-8 ms; the laggard got
        // ~97 KB before it was cut off. The bound leaves room for a loaded machine.
        #expect(p99 <= 100, "p99 latency \(p99) ms, max \(sorted.last!) ms")
        // It was cut off: far less than everything published reached it.
        #expect(laggardBytes < total * 200)
        #expect(f.log.all.isEmpty || f.log.count(.error) == 0)
    }

    @Test func tenMegabytesWithoutANewlineStayBounded() async throws {
        let f = try ServerFixture()
        let before = Sample.residentBytes()
        let (replies, grew) = try await f.running {
            try await onThread { () throws -> ([MoodEvent?], Int) in
                let c = try UnixLineClient(path: f.path)
                _ = try c.readLine()
                _ = try c.readLine()
                let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
                for _ in 0..<10 { try c.send(chunk) }
                let grew = Sample.residentBytes() - before
                try c.send("\n{\"cmd\":\"status\"}\n")
                return ([try c.readEvent(), try c.readEvent()], grew)
            }
        }
        #expect(replies.first == .error("line longer than 4096 bytes; discarded"))
        guard case .status(let s)?? = replies.last else {
            Issue.record("expected a status reply, got \(String(describing: replies.last))")
            return
        }
        #expect(s.counters.clients == 1)
        // Measured: 0.89-0.97 MB (NIO's read buffers, and this client's own 1 MiB chunk).
        // Had the server buffered the line, it would have grown by 10 MiB or more.
        #expect(grew < 4 << 20, "resident memory grew by \(grew) bytes")
    }

    @Test func clientThatLeavesMidEventDoesNotDisturbTheServer() async throws {
        let f = try ServerFixture()
        let (lines, clientsAfter) = try await f.running {
            let leaver = try UnixLineClient(path: f.path, receiveBufferSize: 4096)
            let settled9 = await eventually { f.hub.counters.clients == 1 }
            #expect(settled9)
            for n in 0..<500 { f.hub.publish([Sample.mood(n)]) }
            try await onThread {
                _ = try leaver.readLine()
                leaver.close()  // unread data: the server's next write gets ECONNRESET or EPIPE
            }
            for n in 500..<600 { f.hub.publish([Sample.mood(n)]) }
            let left = await eventually { f.hub.counters.clients == 0 }
            let lines = try await onThread { () throws -> [String?] in
                let c = try UnixLineClient(path: f.path)
                _ = try c.readLine()
                _ = try c.readLine()
                f.hub.publish([Sample.mood(1000)])
                return [try c.readLine()]
            }
            return (lines, left)
        }
        #expect(clientsAfter, "\(f.log.all.map { "\($0.at) \($0.message) \($0.metadata)" })")
        #expect(lines == [Sample.mood(1000).json])
    }

    @Test func answersCommandsAndRejectsGarbage() async throws {
        let f = try ServerFixture()
        let replies = try await f.running {
            try await onThread { () throws -> [MoodEvent?] in
                let c = try UnixLineClient(path: f.path)
                _ = try c.readLine()
                _ = try c.readLine()
                try c.send("{\"cmd\":\"status\"}\n")
                var replies = [try c.readEvent()]
                try c.send("{\"cmd\":\"play\"}\r\nnot json\n\n   \n[1]\n")
                for _ in 0..<3 { replies.append(try c.readEvent()) }
                // A client that stops sending still gets its answer and stays subscribed.
                try c.send("{\"cmd\":\"status\", \"extra\": 1}")
                c.finishSending()
                replies.append(try c.readEvent())
                f.hub.publish([Sample.mood(7)])
                replies.append(try c.readEvent())
                return replies
            }
        }
        guard case .status(let s)?? = replies.first else {
            Issue.record("expected status, got \(String(describing: replies.first))")
            return
        }
        #expect(s.counters.clients == 1)
        #expect(replies[1] == .error("unknown command 'play' (known: 'status', 'history')"))
        if case .error(let message)? = replies[2] { #expect(message.hasPrefix("malformed JSON")) } else { Issue.record("\(String(describing: replies[2]))") }
        #expect(replies[3] == .error("expected an object with a \"cmd\" member, like {\"cmd\":\"status\"}"))
        if case .status? = replies[4] {} else { Issue.record("expected status after half-close, got \(String(describing: replies[4]))") }
        #expect(replies[5] == Sample.mood(7))
    }

    /// `history` over a real connection: the kept events in one line; a bad argument is one `error`
    /// line and the connection goes on.
    @Test func answersHistoryAndRejectsBadArgumentsWithoutClosing() async throws {
        let f = try ServerFixture()
        let change = MoodEvent.change(.init(from: .listening, to: .label("happy"), time: Timestamp(millisecondsSinceEpoch: 1_795_255_200_001)))
        f.hub.publish([.source(Sample.source(.started))])
        f.hub.publish([change, Sample.mood(1), Sample.mood(2)], tracker: MoodTracker(labels: Sample.labels, settings: .init()), overruns: 0)
        let replies = try await f.running {
            try await onThread { () throws -> [MoodEvent?] in
                let c = try UnixLineClient(path: f.path)
                _ = try c.readLine()
                _ = try c.readLine()
                try c.send("{\"cmd\":\"history\",\"seconds\":-1}\n{\"cmd\":\"history\",\"seconds\":600}\n{\"cmd\":\"status\"}\n")
                return [try c.readEvent(), try c.readEvent(), try c.readEvent()]
            }
        }
        #expect(replies[0] == .error(#"history: "seconds" must be a positive number of seconds, like {"cmd":"history","seconds":3600}"#))
        guard case .history(let h)?? = replies.dropFirst().first else {
            Issue.record("expected history, got \(String(describing: replies))")
            return
        }
        // One mood per 30-s step: the mood at +2 ms shares the step of the one at +1 ms.
        #expect(h.events == [.source(Sample.source(.started)), change, Sample.mood(1)])
        #expect(h.seconds == 600)
        if case .status? = replies[2] {} else { Issue.record("expected status after history, got \(String(describing: replies[2]))") }
    }

    /// A history larger than half a small queue is cut to fit it (the newest entries), so asking for
    /// it never gets a client disconnected as too slow, however often it asks.
    @Test func aLargeHistoryIsCutToTheReplyRuleOfASmallQueue() async throws {
        let f = try ServerFixture(queueEvents: 64, queueBytes: 4096)
        let tracker = MoodTracker(labels: Sample.labels, settings: .init())
        for i in 0..<200 {
            let from: MoodState = i % 2 == 0 ? .listening : .silence
            let to: MoodState = i % 2 == 0 ? .silence : .listening
            f.hub.publish([.change(.init(from: from, to: to, time: Timestamp(millisecondsSinceEpoch: 1_795_255_200_000 + Int64(i))))],
                          tracker: tracker, overruns: 0)
        }
        let lines = try await f.running {
            try await onThread { () throws -> [String] in
                let c = try UnixLineClient(path: f.path)
                _ = try c.readLine()
                _ = try c.readLine()
                try c.send(String(repeating: "{\"cmd\":\"history\"}\n", count: 20) + "{\"cmd\":\"status\"}\n")
                var lines: [String] = []
                for _ in 0..<21 { lines.append(try c.readLine() ?? "") }
                return lines
            }
        }
        for line in lines.prefix(20) {
            #expect(line.utf8.count + 1 <= 4096 / 2, "\(line.utf8.count)")
            guard case .history(let h) = try MoodEvent(json: line) else {
                Issue.record("not history: \(line)")
                continue
            }
            #expect(h.events.count > 10 && h.events.count < 200)
            #expect(h.from > Timestamp(millisecondsSinceEpoch: 1_795_255_200_000))
        }
        #expect(lines.last?.hasPrefix("{\"event\":\"status\"") == true, "\(lines.last ?? "")")
    }

    @Test func thousandConnectCloseCyclesLeakNoDescriptor() async throws {
        let f = try ServerFixture()
        let (before, after) = try await f.running {
            let before = f.serverDescriptors()
            try await onThread {
                for _ in 0..<1000 {
                    let c = try UnixLineClient(path: f.path)
                    _ = try c.readLine()
                    c.close()
                }
            }
            _ = await eventually { f.hub.counters.clients == 0 && f.serverDescriptors() == before }
            return (before, f.serverDescriptors())
        }
        #expect(before == 1)  // the listener
        #expect(after == before)
    }

    @Test func refusesClientsBeyondTheLimit() async throws {
        let f = try ServerFixture(maxClients: 2)
        let third = try await f.running {
            try await onThread { () throws -> [String?] in
                let a = try UnixLineClient(path: f.path)
                let b = try UnixLineClient(path: f.path)
                _ = try a.readLine()
                _ = try b.readLine()
                let c = try UnixLineClient(path: f.path)
                return [try c.readLine(), try c.readLine()]
            }
        }
        #expect(third == [MoodEvent.error("too many clients (2); try again later").json, nil])
    }

    @Test func shutdownSaysGoodbyeAndUnlinksTheSocket() async throws {
        let f = try ServerFixture()
        let client = try await f.running {
            try await onThread { () throws -> UnixLineClient in
                let c = try UnixLineClient(path: f.path)
                _ = try c.readLine()
                _ = try c.readLine()
                return c
            }
        }
        let rest = try await onThread { [try client.readLine(), try client.readLine()] }
        #expect(rest == [MoodEvent.error("moodd is shutting down").json, nil])
        #expect(!FileManager.default.fileExists(atPath: f.path))
    }
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct SocketPathSafetyTests {
    @Test(arguments: ["symlink", "regular file", "directory"])
    func refusesAnythingButASocketAndLeavesItAlone(kind: String) async throws {
        let f = try ServerFixture()
        let victim = f.directory.path + "/victim"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: victim))
        switch kind {
        case "symlink": try FileManager.default.createSymbolicLink(atPath: f.path, withDestinationPath: victim)
        case "regular file": try Data("precious".utf8).write(to: URL(fileURLWithPath: f.path))
        default: try FileManager.default.createDirectory(atPath: f.path, withIntermediateDirectories: false)
        }
        let before = try FileManager.default.attributesOfItem(atPath: f.path)
        await #expect(throws: SocketPath.Refusal.self) { try await f.server.run() }
        let after = try FileManager.default.attributesOfItem(atPath: f.path)
        #expect(after[.type] as? FileAttributeType == before[.type] as? FileAttributeType)
        #expect(after[.systemFileNumber] as? Int == before[.systemFileNumber] as? Int)
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious")
        if kind == "symlink" {
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: f.path) == victim)
        }
        // Nothing left behind: no private bind directory.
        let names = try FileManager.default.contentsOfDirectory(atPath: f.directory.path)
        #expect(Set(names) == ["victim", "moodd.sock"])
    }

    @Test func refusalMessageIsOneClearLine() {
        let message = SocketPath.Refusal.occupied(path: "/run/moodd/moodd.sock", by: "a symbolic link").description
        #expect(message == "/run/moodd/moodd.sock exists and is a symbolic link, not a socket; refusing to touch it (move it away or set socket.path)")
    }

    @Test func replacesAStaleSocket() async throws {
        let f = try ServerFixture()
        // A socket file nobody listens on, as a crashed daemon leaves it.
        let fd = try FileDescriptor.unixSocket(.stream)
        try fd.bind(to: try #require(UnixSocketAddress(f.path)))
        try fd.close()
        #expect(try SocketPath.probe(f.path) == false)
        let hello = try await f.running {
            try await onThread { try UnixLineClient(path: f.path).readEvent() }
        }
        if case .hello? = hello {} else { Issue.record("expected hello, got \(String(describing: hello))") }
    }

    /// A relative socket.path starting with `@` is a file (NIO binds it so); the probe used to
    /// connect to that name in the abstract namespace instead, found nobody, called the live
    /// socket stale and let `clear` unlink it.
    @Test func probesARelativeAtPathAsTheFileItIs() throws {
        let path = "@moodd-probe-test-\(FileSystem.processID)"
        let listener = try FileDescriptor.unixSocket(.stream)
        defer {
            try? listener.close()
            try? FileSystem.unlink(FilePath(path))
        }
        try listener.bind(to: try #require(UnixSocketAddress(path)))
        try listener.listen(backlog: 4)
        #expect(try SocketPath.probe(path))
        #expect(throws: SocketPath.Refusal.alreadyRunning(path: path)) { try SocketPath.clear(path) }
        #expect(try FileSystem.status(FilePath(path)) != nil)
    }

    @Test func refusesWhenAnotherDaemonAnswers() async throws {
        let f = try ServerFixture()
        let second = SocketServer(settings: f.server.settings, hub: Sample.hub(), logger: f.log.logger)
        let stillServing = try await f.running {
            await #expect(throws: SocketPath.Refusal.alreadyRunning(path: f.path)) { try await second.run() }
            return try await onThread { try UnixLineClient(path: f.path).readEvent() }
        }
        if case .hello? = stillServing {} else { Issue.record("the first server stopped answering") }
    }

    @Test(arguments: [UInt32(0o600), 0o660, 0o666])
    func appliesTheMode(mode: UInt32) async throws {
        let f = try ServerFixture(mode: mode)
        let st = try await f.running { () throws -> stat in
            var st = stat()
            guard lstat(f.path, &st) == 0 else { throw SystemError.last("lstat") }
            return st
        }
        #expect(st.st_mode & S_IFMT == S_IFSOCK)
        #expect(UInt32(st.st_mode & 0o7777) == mode)
    }

    @Test func appliesTheGroup() async throws {
        let gid = try SocketPath.groupID("nogroup")
        let f = try ServerFixture(group: "nogroup")
        let st = try await f.running { () throws -> stat in
            var st = stat()
            guard lstat(f.path, &st) == 0 else { throw SystemError.last("lstat") }
            return st
        }
        #expect(st.st_gid == gid)
        let missing = try ServerFixture(group: "no-such-group-moodd")
        await #expect(throws: SocketPath.Refusal.noSuchGroup("no-such-group-moodd")) { try await missing.server.run() }
        #expect(!FileManager.default.fileExists(atPath: missing.path))
    }
}

