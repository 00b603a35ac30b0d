#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodCore
import MoodSystem
import MoodTestKit
import SystemPackage
import Testing

/// `moodctl`, run as a user runs it, against an in-memory publisher speaking protocol 3.
@Suite(.serialized, .timeLimit(.minutes(1))) struct MoodctlTests {
    static let t0 = Timestamp(millisecondsSinceEpoch: 1_795_255_200_000)
    static let labels = ["happy", "angry", "sad", "relaxed"]

    static func snapshot(_ label: MoodState) -> MoodEvent.Snapshot {
        MoodEvent.Snapshot(
            time: t0, label: label, confidence: 0.71,
            probabilities: Distribution(labels: labels, values: [0.1, 0.05, 0.14, 0.71]), valence: 0.62, arousal: -0.7,
            since: t0, source: .init(name: "pulse:@DEFAULT_MONITOR@", state: .started),
            counters: .init(analyses: 12, overruns: 0, lostFrames: 3, clients: 0))
    }

    static func change(_ from: String, _ to: String, _ ms: Int64) -> MoodEvent {
        .change(.init(from: MoodState(name: from), to: MoodState(name: to), time: Timestamp(millisecondsSinceEpoch: t0.millisecondsSinceEpoch + ms)))
    }

    static func mood(_ label: String, _ ms: Int64) -> MoodEvent {
        .mood(.init(
            time: Timestamp(millisecondsSinceEpoch: t0.millisecondsSinceEpoch + ms), label: MoodState(name: label), confidence: 0.6,
            probabilities: Distribution(labels: labels, values: [0.6, 0.1, 0.1, 0.2]), raw: nil, valence: 0.6, arousal: 0.4, levelDB: -20))
    }

    static func hello(content: Bool = false) -> MoodEvent.Hello {
        MoodEvent.Hello(model: "musicnn-mood", labels: labels, contentLabels: content ? ContentKind.labels : nil, hop: 1.5)
    }

    /// A fake daemon in a fresh directory, announcing `label`.
    static func server(_ label: MoodState = .label("relaxed"), content: Bool = false) throws -> (FakeMoodServer, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let server = try FakeMoodServer(path: directory.path + "/moodd.sock", hello: hello(content: content), snapshot: snapshot(label))
        return (server, directory)
    }

    /// Runs `body` on another thread once moodctl has connected to `server`, while the test blocks
    /// in `Command.run`.
    static func onceConnected(_ server: FakeMoodServer, _ body: @escaping @Sendable () -> Void) {
        DispatchQueue.global().async {
            _ = server.waitForClients(1)
            body()
        }
    }

    @Test func statusPrintsOneLine() async throws {
        let (server, directory) = try Self.server()
        defer { server.stop(); withExtendedLifetime(directory) {} }
        let result = try await offPool { try Command.run("moodctl", ["status", "--socket", server.path]) }
        #expect(result.status == 0, "\(result.stderr)")
        var expected = Self.snapshot(.label("relaxed"))
        expected.counters.clients = 1
        #expect(result.stdout == MoodEvent.status(expected).textLine() + "\n")
        #expect(result.stderr.isEmpty)
    }

    /// A daemon that publishes to MQTT: the human form ends with the publisher's health.
    @Test func statusShowsTheMQTTPublisher() async throws {
        let directory = try TemporaryDirectory()
        var snapshot = Self.snapshot(.label("relaxed"))
        snapshot.mqtt = .init(connected: false, dropped: 1398, reconnects: 2)
        let server = try FakeMoodServer(path: directory.path + "/moodd.sock", hello: Self.hello(), snapshot: snapshot)
        defer { server.stop(); withExtendedLifetime(directory) {} }
        let result = try await offPool { try Command.run("moodctl", ["status", "--socket", server.path]) }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasSuffix(" lost_frames=3 clients=1 mqtt=disconnected mqtt_dropped=1398 mqtt_reconnects=2\n"), "\(result.stdout)")
    }

    @Test func statusJSONIsTheDaemonsLine() async throws {
        let (server, directory) = try Self.server()
        defer { server.stop(); withExtendedLifetime(directory) {} }
        let result = try await offPool { try Command.run("moodctl", ["status", "--json"], environment: ["MOODD_SOCKET": server.path]) }
        #expect(result.status == 0, "\(result.stderr)")
        var expected = Self.snapshot(.label("relaxed"))
        expected.counters.clients = 1
        #expect(result.stdout == MoodEvent.status(expected).json + "\n")
    }

    @Test func noDaemonIsOneClearLine() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/moodd.sock"
        for command in [["status"], ["watch"], ["wait", "--for", "happy"]] {
            let result = try await offPool { try Command.run("moodctl", command + ["--socket", path]) }
            #expect(result.status == 1)
            #expect(!result.crashed)
            #expect(result.stderr == "moodctl: cannot connect to \(path): No such file or directory (is moodd running?)\n")
            #expect(result.stdout.isEmpty)
        }
    }

    /// A daemon that refuses the connection (`too many clients`) answers with one `error` line and
    /// closes; moodctl used to say `did not greet like moodd` instead of the daemon's reason.
    @Test func aRefusalIsReportedInTheDaemonsWords() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/moodd.sock"
        let socket = try FileDescriptor.unixSocket(.stream)
        defer { try? socket.close() }
        try socket.bind(to: try #require(UnixSocketAddress(path)))
        try socket.listen(backlog: 8)
        let listener = socket.rawValue
        let refusal = MoodEvent.error("too many clients (32); try again later").jsonLine()
        let fd = listener
        for command in [["status"], ["watch"], ["wait", "--for", "happy"]] {
            let stderrPath = directory.path + "/stderr"
            let status = try await offPool { () throws -> Int32? in
                let moodctl = try ChildProcess(Command.buildDirectory + "/moodctl", command + ["--socket", path], environment: [:], stderrPath: stderrPath)
                let client = accept(fd, nil, nil)
                _ = refusal.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                close(client)
                return moodctl.wait(timeout: 10)
            }
            #expect(status == 1, "\(command)")
            let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            #expect(stderr == "moodctl: moodd refused the connection: too many clients (32); try again later\n", "\(command)")
        }
    }

    @Test func waitReturnsAtOnceWhenTheMoodAlreadyIsTheLabel() async throws {
        let (server, directory) = try Self.server(.label("sad"))
        defer { server.stop(); withExtendedLifetime(directory) {} }
        let result = try await offPool { try Command.run("moodctl", ["wait", "--for", "sad", "--socket", server.path, "--timeout", "5"]) }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty && result.stderr.isEmpty)
    }

    @Test func waitReturnsWhenTheMoodChanges() async throws {
        let (server, directory) = try Self.server(.label("sad"))
        defer { server.stop(); withExtendedLifetime(directory) {} }
        Self.onceConnected(server) {
            server.broadcast(Self.mood("sad", 1500))
            server.broadcast(Self.change("sad", "happy", 3000))
        }
        let started = Date()
        let result = try await offPool { try Command.run("moodctl", ["wait", "--for", "happy", "--socket", server.path, "--timeout", "10"]) }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func waitTimesOut() async throws {
        let (server, directory) = try Self.server(.label("sad"))
        defer { server.stop(); withExtendedLifetime(directory) {} }
        let result = try await offPool { try Command.run("moodctl", ["wait", "--for", "happy", "--socket", server.path, "--timeout", "0.3"]) }
        #expect(result.status == 124)
        #expect(result.stderr == "moodctl: timed out after 0.3 s waiting for 'happy' (currently 'sad')\n")
    }

    @Test func waitRejectsALabelTheModelDoesNotHave() async throws {
        let (server, directory) = try Self.server()
        defer { server.stop(); withExtendedLifetime(directory) {} }
        let result = try await offPool { try Command.run("moodctl", ["wait", "--for", "hapy", "--socket", server.path]) }
        #expect(result.status == 64)
        #expect(result.stderr == "moodctl: unknown label 'hapy' (moodd knows: happy, angry, sad, relaxed, listening, silence)\n")
    }

    /// With a content head, `speech` and `noise` are states to wait for; a change to speech ends the wait.
    @Test func waitForSpeech() async throws {
        let (server, directory) = try Self.server(.label("relaxed"), content: true)
        defer { server.stop(); withExtendedLifetime(directory) {} }
        Self.onceConnected(server) {
            server.broadcast(Self.change("relaxed", "noise", 1500))
            server.broadcast(Self.change("noise", "speech", 4500))
        }
        let result = try await offPool { try Command.run("moodctl", ["wait", "--for", "speech", "--socket", server.path, "--timeout", "10"]) }
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func waitRejectsSpeechWithoutAContentHead() async throws {
        let (server, directory) = try Self.server()
        defer { server.stop(); withExtendedLifetime(directory) {} }
        let result = try await offPool { try Command.run("moodctl", ["wait", "--for", "speech", "--socket", server.path]) }
        #expect(result.status == 64)
        #expect(result.stderr == "moodctl: unknown label 'speech' (moodd knows: happy, angry, sad, relaxed, listening, silence)\n")
    }

    @Test func watchPrintsSpeechReadably() async throws {
        let (server, directory) = try Self.server(.label("relaxed"), content: true)
        defer { server.stop(); withExtendedLifetime(directory) {} }
        let speech = MoodEvent.mood(.init(
            time: Timestamp(millisecondsSinceEpoch: Self.t0.millisecondsSinceEpoch + 1500), label: .speech, confidence: 0,
            probabilities: nil, content: Distribution(labels: ContentKind.labels, values: [0.1, 0.85, 0.05]),
            raw: Distribution(labels: Self.labels, values: [0.1, 0.1, 0.7, 0.1]), valence: nil, arousal: nil, levelDB: -30))
        Self.onceConnected(server) {
            server.broadcast(Self.change("relaxed", "speech", 1500))
            server.broadcast(speech)
            server.dropClients(afterTheyRead: true)
        }
        let result = try await offPool { try Command.run("moodctl", ["watch", "--socket", server.path]) }
        let lines = result.stdout.split(separator: "\n").dropFirst()
        #expect(lines == ["2026-11-21T10:00:01.500Z change relaxed -> speech",
                          "2026-11-21T10:00:01.500Z mood speech 0 valence=- arousal=- level=-30dB content=music:0.1,speech:0.85,noise:0.05"],
                "\(result.stdout)")
    }

    @Test func waitFailsWhenTheDaemonGoesAway() async throws {
        let (server, directory) = try Self.server(.label("sad"))
        defer { server.stop(); withExtendedLifetime(directory) {} }
        Self.onceConnected(server) {
            server.dropClients()
        }
        let result = try await offPool { try Command.run("moodctl", ["wait", "--for", "happy", "--socket", server.path]) }
        #expect(result.status == 1)
        #expect(result.stderr == "moodctl: moodd closed the connection\n")
    }

    @Test func watchChangesOnlyPrintsChangeLines() async throws {
        let (server, directory) = try Self.server(.label("sad"))
        defer { server.stop(); withExtendedLifetime(directory) {} }
        let events = [Self.mood("sad", 1500), Self.change("sad", "happy", 3000), Self.mood("happy", 3000),
                      Self.change("happy", "silence", 4500)]
        Self.onceConnected(server) {
            for e in events { server.broadcast(e) }
            server.dropClients(afterTheyRead: true)
        }
        let result = try await offPool { try Command.run("moodctl", ["watch", "--json", "--changes-only", "--socket", server.path]) }
        #expect(result.status == 1)
        #expect(result.stdout == [events[1], events[3]].map { $0.json + "\n" }.joined())
        #expect(result.stderr == "moodctl: moodd closed the connection\n")
    }

    @Test func watchPrintsTheStateThenEveryEventAsText() async throws {
        let (server, directory) = try Self.server(.label("sad"))
        defer { server.stop(); withExtendedLifetime(directory) {} }
        let events = [Self.mood("sad", 1500), Self.change("sad", "happy", 3000)]
        Self.onceConnected(server) {
            for e in events { server.broadcast(e) }
            server.dropClients(afterTheyRead: true)
        }
        let result = try await offPool { try Command.run("moodctl", ["watch", "--socket", server.path]) }
        var state = Self.snapshot(.label("sad"))
        state.counters.clients = 1
        let expected = ([MoodEvent.state(state)] + events).map { $0.textLine() + "\n" }.joined()
        #expect(result.stdout == expected)
    }

    /// `watch --json` prints the daemon's lines as they are, `hello` included: a script needs its
    /// labels, version and hop. It used to drop `hello` and start at `state`.
    @Test func watchJSONKeepsHello() async throws {
        let (server, directory) = try Self.server(.label("sad"))
        defer { server.stop(); withExtendedLifetime(directory) {} }
        Self.onceConnected(server) {
            server.broadcast(Self.mood("sad", 1500))
            server.dropClients(afterTheyRead: true)
        }
        let result = try await offPool { try Command.run("moodctl", ["watch", "--json", "--socket", server.path]) }
        let lines = result.stdout.split(separator: "\n").map(String.init)
        var state = Self.snapshot(.label("sad"))
        state.counters.clients = 1
        #expect(lines == [MoodEvent.hello(Self.hello()).json, MoodEvent.state(state).json, Self.mood("sad", 1500).json],
                "\(result.stdout)")
    }

    /// The help says `wait` waits until the mood is LABEL, and `moodctl wait happy` is how people
    /// read that; it used to fail with `Missing expected argument '--for <label>'` (exit 64).
    @Test func waitTakesTheLabelAsAnArgumentAsItsHelpSays() async throws {
        let (server, directory) = try Self.server(.label("sad"))
        defer { server.stop(); withExtendedLifetime(directory) {} }
        let result = try await offPool { try Command.run("moodctl", ["wait", "sad", "--socket", server.path, "--timeout", "5"]) }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty && result.stderr.isEmpty)
        let help = try await offPool { try Command.run("moodctl", ["wait", "--help"]) }
        #expect(help.stdout.contains("USAGE: moodctl wait <label>"), "\(help.stdout)")
    }

    /// `--timeout` is when `wait` gives up, as its help says, even when moodd accepts the
    /// connection and never greets (a daemon stuck at start); it used to wait at least 5 s for the greeting.
    @Test func waitGivesUpAfterItsTimeoutEvenWithoutAGreeting() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/moodd.sock"
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0 && listen(listener, 8) == 0)  // never accepted: the kernel queues the client
        let started = Date()
        let result = try await offPool { try Command.run("moodctl", ["wait", "--for", "happy", "--socket", path, "--timeout", "0.5"]) }
        #expect(result.status == 124)
        #expect(Date().timeIntervalSince(started) < 3, "took \(Date().timeIntervalSince(started)) s")
        #expect(result.stderr == "moodctl: timed out after 0.5 s waiting for 'happy' (currently 'unknown')\n", "\(result.stderr)")
    }

    /// `moodctl history`: the kept changes, source events and mood samples, one text line each, as
    /// `watch` prints them; `--json` the daemon's one line; `--seconds` the span asked for.
    @Test func historyPrintsTheKeptEventsOldestFirst() async throws {
        let (server, directory) = try Self.server(.label("sad"))
        defer { server.stop(); withExtendedLifetime(directory) {} }
        let events = [Self.mood("sad", 1500), Self.mood("sad", 3000), Self.change("sad", "happy", 40_000), Self.mood("happy", 40_000)]
        for e in events { server.broadcast(e) }
        let text = try await offPool { try Command.run("moodctl", ["history", "--socket", server.path]) }
        #expect(text.status == 0, "\(text.stderr)")
        // One mood per 30-s step: the one at 3 s shares its step with the one at 1.5 s.
        #expect(text.stdout == [events[0], events[2], events[3]].map { $0.textLine() + "\n" }.joined())
        let json = try await offPool { try Command.run("moodctl", ["history", "--json", "--seconds", "10", "--socket", server.path]) }
        #expect(json.status == 0, "\(json.stderr)")
        let history = try MoodEvent(json: String(json.stdout.dropLast()))
        #expect(history == .history(.init(
            time: Timestamp(millisecondsSinceEpoch: Self.t0.millisecondsSinceEpoch + 40_000), seconds: 10, step: 30,
            from: Timestamp(millisecondsSinceEpoch: Self.t0.millisecondsSinceEpoch + 30_000), events: [events[2], events[3]])))
        let bad = try await offPool { try Command.run("moodctl", ["history", "--seconds", "0", "--socket", server.path]) }
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--seconds must be a positive number of seconds"), "\(bad.stderr)")
    }

    @Test func helpAndUsageErrors() async throws {
        let help = try await offPool { try Command.run("moodctl", ["--help"]) }
        #expect(help.status == 0)
        #expect(help.stdout.contains("wait"))
        let usage = try await offPool { try Command.run("moodctl", ["wait"]) }
        #expect(usage.status == 64)
        #expect(usage.stderr.contains("--for"))
    }
}
