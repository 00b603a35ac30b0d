#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodCore
import MoodTestKit
import Testing

/// `moodd run` publishing to a real mosquitto broker (docs/mqtt.md): what a subscriber that comes
/// later sees, the broker's last will when the daemon dies, and a broker that is not there at start.
@Suite(.serialized, .timeLimit(.minutes(2)), .enabled(if: MosquittoBroker.isAvailable, Comment(rawValue: MosquittoBroker.skipReason)))
struct DaemonMQTTTests {
    static let demo = RunCommandDaemonTests.repository + "/examples/demo.ogg"

    static func daemon(port: Int, extra: [String] = []) throws -> RunningDaemon {
        try RunningDaemon(["--source", "file+loop:" + demo, "--set", "mqtt.host=127.0.0.1", "--set", "mqtt.port=\(port)",
                           "--set", "mqtt.topic=moodd/test", "--set", "mqtt.publish_interval=1"] + extra)
    }

    /// A subscriber that connects after the daemon gets the station's availability, its discovery and
    /// its state (all retained); SIGKILL (a crash, a cut cable) turns availability to `offline` through
    /// the broker's last will.
    @Test func aLateSubscriberGetsTheRetainedStationAndTheWillSaysOfflineOnACrash() async throws {
        try await offPool {
            let broker = try MosquittoBroker()
            try broker.start()
            let daemon = try Self.daemon(port: broker.port)
            let online = waitUntil(timeout: 10) {
                (try? broker.messages(topics: ["moodd/test/availability"], count: 1, timeout: 1).first?.payload) == "online"
            }
            #expect(online, "\(daemon.stderr)")
            let retained = try broker.messages(topics: ["moodd/test/#", "homeassistant/#"], count: 7, timeout: 5)
            let topics = Set(retained.map(\.topic))
            #expect(topics == ["moodd/test/availability", "moodd/test/state",
                               "homeassistant/sensor/moodd_\(Self.station)/mood/config", "homeassistant/sensor/moodd_\(Self.station)/valence/config",
                               "homeassistant/sensor/moodd_\(Self.station)/arousal/config", "homeassistant/sensor/moodd_\(Self.station)/confidence/config",
                               "homeassistant/binary_sensor/moodd_\(Self.station)/music/config"], "\(retained.map(\.topic))")
            let state = try JSONValue.parse(try #require(retained.first { $0.topic == "moodd/test/state" }).payload)
            #expect(state["source"]?.stringValue == "started" && state["label"] != nil)
            let mood = try JSONValue.parse(try #require(retained.first { $0.topic.hasSuffix("/mood/config") }).payload)
            #expect(mood["availability_topic"]?.stringValue == "moodd/test/availability")
            #expect(mood["options"]?.arrayValue?.count == 8)

            kill(daemon.process.pid, SIGKILL)
            let offline = waitUntil(timeout: 10) {
                (try? broker.messages(topics: ["moodd/test/availability"], count: 1, timeout: 1).first?.payload) == "offline"
            }
            #expect(offline)
        }
    }

    /// No broker when the daemon starts: the socket serves at once; when the broker comes, the
    /// daemon connects and retains its station; SIGTERM says `offline` itself.
    @Test func aBrokerThatIsNotThereYetDelaysNothingAndIsJoinedWhenItComes() async throws {
        try await offPool {
            let broker = try MosquittoBroker()
            let started = monotonicSeconds()
            let daemon = try Self.daemon(port: broker.port)
            #expect(monotonicSeconds() - started < 10)
            let client = try UnixLineClient(path: daemon.socketPath)
            #expect(try client.readEvent(timeout: 5)?.name == "hello")
            try broker.start()
            let online = waitUntil(timeout: 30) {
                (try? broker.messages(topics: ["moodd/test/availability"], count: 1, timeout: 1).first?.payload) == "online"
            }
            #expect(online, "\(daemon.stderr)")
            #expect(daemon.stop(timeout: 5) == 0)
            let offline = try broker.messages(topics: ["moodd/test/availability"], count: 1, timeout: 3).first?.payload
            #expect(offline == "offline")
        }
    }

    /// `publish_interval` 1 s: a state every second. The fleet bench found one every 1.4 s on average,
    /// gaps of 1.5 s among 1 s and 0.5 s ones: the MQTT thread waited a whole interval from each
    /// wake-up, a mood event's (every 1.5 s) included, rather than until the last state plus the interval.
    @Test func periodicStatesComeEveryPublishInterval() async throws {
        let gaps = try await offPool { () -> [Double] in
            let broker = try MosquittoBroker()
            try broker.start()
            let daemon = try Self.daemon(port: broker.port)
            let online = waitUntil(timeout: 10) {
                (try? broker.messages(topics: ["moodd/test/availability"], count: 1, timeout: 1).first?.payload) == "online"
            }
            guard online else { return [] }
            let times = try broker.arrivals(topic: "moodd/test/state", count: 100, timeout: 10)
            withExtendedLifetime(daemon) {}
            // The retained one first, then the periodic ones (and those of changes, which come sooner).
            let periodic = Array(times.dropFirst())
            return zip(periodic, periodic.dropFirst()).map { $1 - $0 }
        }
        #expect(gaps.count >= 8, "\(gaps)")
        #expect(gaps.allSatisfy { $0 < 1.4 }, "gaps between states: \(gaps.map { (($0 * 1000).rounded() / 1000) })")
    }

    /// A broker restarted after 5 s away (an upgrade, a reboot of its host): the station is online again
    /// within 5 s of the broker accepting connections (issue 12's goal). libmosquitto's "exponential"
    /// backoff is quadratic (1, 4, 9 ... s), which left it 9 s late here.
    @Test func aRestartedBrokerHasTheStationBackWithinFiveSeconds() async throws {
        let took = try await offPool { () -> Double? in
            let broker = try MosquittoBroker()
            try broker.start()
            let daemon = try Self.daemon(port: broker.port)
            let online = waitUntil(timeout: 10) {
                (try? broker.messages(topics: ["moodd/test/availability"], count: 1, timeout: 1).first?.payload) == "online"
            }
            guard online else { return nil }
            broker.stop()
            sleepSeconds(5)
            try broker.start()
            let back = monotonicSeconds()
            let again = waitUntil(timeout: 20) {
                (try? broker.messages(topics: ["moodd/test/availability"], count: 1, timeout: 0.5).first?.payload) == "online"
            }
            withExtendedLifetime(daemon) {}
            return again ? monotonicSeconds() - back : .infinity
        }
        #expect(took != nil, "never online")
        #expect((took ?? 0) < 5, "online again \(took ?? 0) s after the broker came back")
    }

    /// A broker that stops reading (SIGSTOP: a hung host, a full network): the analysis keeps its
    /// cadence and a socket subscriber keeps receiving; when the broker resumes, the state flows again.
    @Test func aBrokerThatStopsReadingDelaysNeitherTheAnalysisNorTheSocket() async throws {
        let (moods, resumed) = try await offPool { () -> (Int, Bool) in
            let broker = try MosquittoBroker()
            try broker.start()
            let daemon = try Self.daemon(port: broker.port, extra: ["--hop", "0.5"])
            let online = waitUntil(timeout: 10) {
                (try? broker.messages(topics: ["moodd/test/availability"], count: 1, timeout: 1).first?.payload) == "online"
            }
            guard online else { return (0, false) }
            let client = try UnixLineClient(path: daemon.socketPath)
            while let line = try client.readLine(timeout: 10), !line.hasPrefix("{\"event\":\"mood\"") {}  // analysing now
            kill(broker.pid, SIGSTOP)
            let end = monotonicSeconds() + 10
            var moods = 0
            while monotonicSeconds() < end, let line = try? client.readLine(timeout: max(0.1, end - monotonicSeconds())) {
                if line.hasPrefix("{\"event\":\"mood\"") { moods += 1 }
            }
            kill(broker.pid, SIGCONT)
            let resumed = waitUntil(timeout: 10) {
                (try? broker.messages(topics: ["moodd/test/state"], count: 1, timeout: 1).count) == 1
            }
            return (moods, resumed)
        }
        // 20 analyses in 10 s at hop 0.5; a stalled publisher would leave the socket silent.
        #expect(moods >= 18, "\(moods) moods in 10 s")
        #expect(resumed)
    }

    /// `[mqtt] tls` (a CA file): against a TLS-only listener whose certificate that CA signed (all made
    /// by `openssl` for the test), the station is retained as over plain TCP; a subscriber that
    /// verifies the broker with the same CA sees it.
    @Test(.enabled(if: TestCertificates.isAvailable, "openssl not installed (scripts/bootstrap --test)"))
    func overTLSTheStationIsRetainedAsOverTCP() async throws {
        try await offPool {
            let certificates = try TestCertificates()
            let broker = try MosquittoBroker(tls: certificates.trusted)
            try broker.start()
            let daemon = try Self.daemon(port: broker.port, extra: ["--set", "mqtt.tls=" + certificates.trusted.caFile])
            let online = waitUntil(timeout: 10) {
                (try? broker.messages(topics: ["moodd/test/availability"], count: 1, timeout: 1).first?.payload) == "online"
            }
            #expect(online, "\(daemon.stderr)\n\(broker.log)")
            let state = try broker.messages(topics: ["moodd/test/state"], count: 1, timeout: 3).first?.payload
            #expect(state?.hasPrefix("{\"label\":") == true, "\(state ?? "no state")")
            #expect(daemon.stop(timeout: 5) == 0)
        }
    }

    /// A broker whose certificate the configured CA did not sign (a wrong `mqtt.tls`, a broker that
    /// changed its certificate): one journal line per attempt that says so in OpenSSL's words, retried
    /// with the backoff, no crash, the socket served; once the broker presents a certificate the CA
    /// signed, the station is online. (libmosquitto 2.0's network thread ends silently on a TLS
    /// error and never retries: the daemon used to say nothing and stay offline for good.)
    @Test(.enabled(if: TestCertificates.isAvailable, "openssl not installed (scripts/bootstrap --test)"))
    func aCertificateTheCADidNotSignIsAClearLineAndRetried() async throws {
        try await offPool {
            let certificates = try TestCertificates()
            let impostor = try MosquittoBroker(tls: certificates.other)
            try impostor.start()
            let daemon = try Self.daemon(port: impostor.port, extra: ["--set", "mqtt.tls=" + certificates.trusted.caFile])
            let said = waitUntil(timeout: 10) { daemon.stderr.contains("MQTT TLS handshake failed") }
            #expect(said, "\(daemon.stderr)")
            #expect(try UnixLineClient(path: daemon.socketPath).readEvent(timeout: 5)?.name == "hello")
            #expect(try impostor.messages(topics: ["moodd/test/availability"], count: 1, timeout: 1).isEmpty)
            let failures = daemon.stderr.split(separator: "\n").filter { $0.contains("MQTT") && $0.contains("error") }
            #expect(!failures.isEmpty && failures.allSatisfy { $0.contains("MQTT TLS handshake failed") && $0.contains("certificate verify failed") },
                    "\(failures)")
            #expect(daemon.process.isRunning)

            impostor.stop()
            let broker = try MosquittoBroker(tls: certificates.trusted, port: impostor.port)
            try broker.start()
            let online = waitUntil(timeout: 20) {
                (try? broker.messages(topics: ["moodd/test/availability"], count: 1, timeout: 1).first?.payload) == "online"
            }
            #expect(online, "\(daemon.stderr)")
        }
    }

    /// What the MQTT publisher reports in `status` (docs/protocol.md), and how often the journal says
    /// that the broker does not keep up. A broker that stops reading for long enough to fill the socket's
    /// buffers (up to 4 MB on loopback) and the 64 messages on their way, at 1 KB a message (the topic)
    /// and 1,000 state messages a second: `dropped` rises while `connected` stays true (nothing told the
    /// daemon otherwise), with one journal line for the episode; a broker restart makes `connected` false,
    /// then true with `reconnects` 1 and the station retained again.
    @Test func dropsAndReconnectionsAreCountedInStatus() async throws {
        try await offPool {
            let broker = try MosquittoBroker()
            try broker.start()
            let topic = "moodd/" + String(repeating: "x", count: 1000)
            let daemon = try Self.daemon(port: broker.port, extra: ["--set", "mqtt.topic=" + topic, "--set", "mqtt.publish_interval=0.001"])
            let online = waitUntil(timeout: 10) {
                (try? broker.messages(topics: [topic + "/availability"], count: 1, timeout: 1).first?.payload) == "online"
            }
            #expect(online, "\(daemon.stderr)")
            let client = try UnixLineClient(path: daemon.socketPath)
            #expect(try Self.mqttStatus(client) == .init(connected: true, dropped: 0, reconnects: 0))

            kill(broker.pid, SIGSTOP)
            let stopped = monotonicSeconds()
            var first = MoodEvent.MQTTStatus(connected: false)
            let dropping = Self.poll(timeout: 40) {
                first = (try? Self.mqttStatus(client)) ?? first
                return first.dropped > 0
            }
            #expect(dropping, "nothing dropped in \(monotonicSeconds() - stopped) s")
            sleepSeconds(2)
            let later = try Self.mqttStatus(client)
            #expect(later.connected && later.dropped > first.dropped, "\(first) then \(later)")
            let journal = daemon.stderr
            kill(broker.pid, SIGCONT)
            let episodes = journal.components(separatedBy: "MQTT broker is not keeping up").count - 1
            #expect(episodes == 1, "one stuck broker, \(episodes) episodes in the journal:\n\(journal)")

            broker.stop()
            let down = Self.poll(timeout: 10) { (try? Self.mqttStatus(client).connected) == false }
            #expect(down)
            try broker.start()
            var back = MoodEvent.MQTTStatus(connected: false)
            let reconnected = Self.poll(timeout: 15) {
                back = (try? Self.mqttStatus(client)) ?? back
                return back.connected
            }
            #expect(reconnected && back.reconnects == 1 && back.dropped >= later.dropped, "\(back)")
            let republished = try broker.messages(topics: [topic + "/availability"], count: 1, timeout: 5).first?.payload
            #expect(republished == "online")
        }
    }

    /// `condition` every 0.2 s (each call asks the daemon) until it holds or `timeout` s have passed.
    static func poll(timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = monotonicSeconds() + timeout
        repeat {
            if condition() { return true }
            sleepSeconds(0.2)
        } while monotonicSeconds() < deadline
        return false
    }

    /// The `mqtt` object of a `status` reply on `client`.
    static func mqttStatus(_ client: UnixLineClient) throws -> MoodEvent.MQTTStatus {
        try client.send("{\"cmd\":\"status\"}\n")
        while true {
            let event = try #require(try client.readEvent(timeout: 5), "the daemon closed the connection")
            if case .status(let s) = event { return try #require(s.mqtt) }
        }
    }

    /// A broker that refuses the credentials: one journal line per attempt (1 s, 2 s, 3 s... apart),
    /// no crash, the socket served meanwhile.
    @Test func refusedCredentialsAreAJournalLineAndRetriedNeverACrash() async throws {
        let (stderr, running, hello) = try await offPool { () -> (String, Bool, String?) in
            let broker = try MosquittoBroker(anonymous: false)
            try broker.start()
            let daemon = try Self.daemon(port: broker.port, extra: ["--set", "mqtt.username=moodd"])
            _ = waitUntil(timeout: 10) { daemon.stderr.components(separatedBy: "MQTT connection refused").count > 2 }
            let hello = try UnixLineClient(path: daemon.socketPath).readEvent(timeout: 5)?.name
            return (daemon.stderr, daemon.process.isRunning, hello)
        }
        let refusals = stderr.split(separator: "\n").filter { $0.contains("MQTT connection refused") }
        #expect(refusals.count >= 2, "\(stderr)")
        #expect(refusals.allSatisfy { $0.contains("not authorised") }, "\(refusals)")
        #expect(running && hello == "hello")
    }

    /// The hostname as the discovery ids use it.
    static let station: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, 255)
        return MQTTPlan.idSafe(String(cString: buffer))
    }()
}
