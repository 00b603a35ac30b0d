import DequeModule
import Logging
import MoodCore
import MoodSystem
import ServiceLifecycle
import Synchronization
import SystemPackage

/// Publishes the station to an MQTT broker (docs/mqtt.md): `MQTTPlan` decides what, libmosquitto
/// (`MosquittoClient`) carries it, and a thread of its own (`SystemThread`) sits between them, so the
/// hub only ever enqueues: a broker that is down, slow, or stops reading never delays the analysis or
/// the socket's clients. What waits is bounded: at most `maxPending` events (the oldest dropped) and
/// `maxInFlight` messages handed to libmosquitto but not yet on the wire (beyond that, messages are
/// dropped; retained state is republished on the next change, tick or reconnection).
public final class MQTTService: Service, EventSubscriber, @unchecked Sendable {
    // @unchecked: every `var` is guarded by `condition`.

    public struct Settings: Sendable {
        public var host: String
        public var port: Int
        public var username: String
        public var passwordFile: String
        public var caFile: String
        public var clientID: String
        public var keepalive: Int
        public var plan: MQTTPlan.Settings

        public init(_ config: Config, labels: [String], hostname: String = FileSystem.hostname) {
            host = config.mqttHost
            port = config.mqttPort
            username = config.mqttUsername
            passwordFile = config.mqttPasswordFile
            caFile = config.mqttTLS
            clientID = config.mqttClientID.isEmpty ? "moodd-" + hostname : config.mqttClientID
            keepalive = config.mqttKeepalive
            let station = MQTTPlan.idSafe(hostname).lowercased()
            plan = MQTTPlan.Settings(
                topic: config.mqttTopic.isEmpty ? "moodd/" + station : config.mqttTopic,
                discoveryPrefix: config.mqttDiscoveryPrefix, publishInterval: config.mqttPublishInterval,
                station: hostname, labels: labels, version: MooddVersion.string)
        }
    }

    static let maxPending = 256
    static let maxInFlight = 64

    private let settings: Settings
    private let snapshot: @Sendable () -> MoodEvent.Snapshot
    private let logger: Logger
    private let condition = ThreadCondition()
    private var plan: MQTTPlan
    private var pending = Deque<(MoodEvent, [UInt8])>()
    private var connection: Bool?  // a change of connection to handle; nil: none
    private var networkStopped: String?  // libmosquitto's thread ended on this TLS error; nil: it runs
    private var inFlight = 0
    private var stopping = false
    private var finished = false
    private var dropped = 0  // since the last `reportDrops`
    private var episodeDrops = 0
    private var dropping = false
    // What `status` reports, read from the hub's lock without taking `condition`.
    private let droppedTotal = Atomic<Int>(0)
    private let isConnected = Atomic<Bool>(false)
    private let connections = Atomic<Int>(0)

    /// - Parameter snapshot: the hub's current state (called on the MQTT thread, never under the hub's lock).
    public init(settings: Settings, snapshot: @escaping @Sendable () -> MoodEvent.Snapshot, logger: Logger) {
        self.settings = settings
        self.snapshot = snapshot
        self.logger = logger
        plan = MQTTPlan(settings.plan)
    }

    /// For the `state` and `status` snapshots (the `mqtt` object): lock-free, any thread.
    public var status: MoodEvent.MQTTStatus {
        MoodEvent.MQTTStatus(connected: isConnected.load(ordering: .relaxed), dropped: droppedTotal.load(ordering: .relaxed),
                             reconnects: max(0, connections.load(ordering: .relaxed) - 1))
    }

    /// From the hub, under its lock: enqueue, never wait.
    public func receive(_ event: MoodEvent, line: [UInt8]) {
        switch event {
        case .mood, .change, .source: break
        default: return
        }
        condition.withLock {
            if pending.count >= Self.maxPending {
                pending.removeFirst()
                dropped += 1
                droppedTotal.add(1, ordering: .relaxed)
            }
            pending.append((event, line))
            condition.broadcast()
        }
    }

    public func run() async throws {
        let client: MosquittoClient
        do {
            client = try makeClient()
        } catch {
            logger.error("MQTT disabled: \(error)", metadata: ["broker": "\(settings.host):\(settings.port)"])
            try? await gracefulShutdown()
            return
        }
        logger.info("MQTT publishing", metadata: ["broker": "\(settings.host):\(settings.port)", "topic": "\(settings.plan.topic)"])
        try SystemThread.start("mqtt") { self.publishLoop(client) }
        try? await gracefulShutdown()
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
        // The loop says offline and disconnects; a broker that stopped reading gets a second at most.
        let done = await withTaskCancellationHandler {
            (try? await SystemThread.run("mqtt stop") { [self] in
                condition.withLock { SystemClock().wait(condition, until: SystemClock.now.advanced(bySeconds: 1), orUntil: { finished }) }
            }) ?? false
        } onCancel: {}
        client.stop(force: !done)
    }

    private func makeClient() throws -> MosquittoClient {
        let client = try MosquittoClient(clientID: settings.clientID) { [weak self] event in self?.clientDid(event) }
        if !settings.username.isEmpty {
            var password: String?
            if !settings.passwordFile.isEmpty {
                guard let text = try? Self.firstLine(of: settings.passwordFile) else {
                    throw MosquittoClient.Failure(description: "mqtt.password_file \(settings.passwordFile) cannot be read")
                }
                password = text
            }
            try client.setCredentials(username: settings.username, password: password)
        }
        if !settings.caFile.isEmpty { try client.setTLS(caFile: settings.caFile) }
        let will = plan.lastWill
        try client.setWill(topic: will.topic, payload: will.payload, retain: will.retain)
        try client.setReconnectDelay(min: 1, max: 60)
        return client
    }

    /// On libmosquitto's thread.
    private func clientDid(_ event: MosquittoClient.Event) {
        switch event {
        case .connected:
            logger.notice("MQTT connected", metadata: ["broker": "\(settings.host):\(settings.port)"])
            connections.add(1, ordering: .relaxed)
            isConnected.store(true, ordering: .relaxed)
            condition.withLock {
                connection = true
                inFlight = 0
                condition.broadcast()
            }
        case .refused(let reason):
            isConnected.store(false, ordering: .relaxed)
            // libmosquitto retries with the backoff; one line per attempt is what an operator needs
            // to see a wrong password, and the backoff caps it at one a minute.
            logger.error("MQTT connection refused; retrying", metadata: ["broker": "\(settings.host):\(settings.port)", "reason": "\(reason)"])
        case .disconnected(let reason):
            isConnected.store(false, ordering: .relaxed)
            let wasUp = condition.withLock { () -> Bool in
                let up = connection != false
                connection = false
                condition.broadcast()
                return up
            }
            if wasUp, reason != "disconnected" {
                logger.warning("MQTT connection lost; reconnecting", metadata: ["broker": "\(settings.host):\(settings.port)", "reason": "\(reason)"])
            }
        case .sent:
            condition.withLock { inFlight = max(0, inFlight - 1) }
        case .networkStopped(let reason):
            isConnected.store(false, ordering: .relaxed)
            condition.withLock {
                connection = false
                networkStopped = reason
                condition.broadcast()
            }
        }
    }

    /// The MQTT thread: turns connection changes, events and ticks into messages.
    private func publishLoop(_ client: MosquittoClient) {
        let clock = SystemClock()
        // When this thread is to make a connection attempt (`MosquittoClient.connect`): at first, after
        // one that failed at once, and after a TLS error ended libmosquitto's thread. 1 s, 2 s, 4 s...
        // at most 60 s apart, from 1 s again once connected. Otherwise libmosquitto's thread reconnects.
        var nextAttempt: Double? = clock.now.seconds
        var backoff = 1.0
        while true {
            if let next = nextAttempt, clock.now.seconds >= next {
                nextAttempt = nil
                if let failure = client.connect(host: settings.host, port: settings.port, keepalive: settings.keepalive) {
                    if failure.isTLS {
                        tlsFailed(failure.description, retryingIn: backoff)
                    } else {
                        logger.error("MQTT broker unreachable; retrying in \(Int(backoff)) s",
                                     metadata: ["broker": "\(settings.host):\(settings.port)", "reason": "\(failure)"])
                    }
                    nextAttempt = clock.now.seconds + backoff
                    backoff = min(backoff * 2, 60)
                }
            }
            let wakeUps = [nextAttempt, plan.nextTick].compactMap { $0 }
            let work: (connection: Bool?, events: [(MoodEvent, [UInt8])], stopping: Bool, stopped: String?) = condition.withLock {
                var deadline = clock.now.advanced(bySeconds: min(settings.plan.publishInterval, 1))
                for next in wakeUps where next < deadline.seconds { deadline = MonotonicInstant(seconds: next) }
                _ = clock.wait(condition, until: deadline, orUntil: { !pending.isEmpty || connection != nil || stopping || networkStopped != nil })
                defer {
                    pending.removeAll()
                    connection = nil
                    networkStopped = nil
                }
                return (connection, Array(pending), stopping, networkStopped)
            }
            if work.connection == true { backoff = 1 }
            if let reason = work.stopped, !work.stopping {
                tlsFailed(reason, retryingIn: backoff)
                nextAttempt = clock.now.seconds + backoff
                backoff = min(backoff * 2, 60)
            }
            var messages: [MQTTPlan.Message] = []
            let now = clock.now.seconds
            if let up = work.connection {
                if up { messages += plan.connected(state: snapshot(), now: now) } else { plan.disconnected() }
            }
            for (event, line) in work.events {
                let text = line.last == UInt8(ascii: "\n") ? line.dropLast() : line[...]
                messages += plan.published(event, line: String(decoding: text, as: UTF8.self), state: snapshot(), now: now)
            }
            messages += plan.tick(state: snapshot(), now: now)
            if work.stopping { messages += plan.shuttingDown() }
            send(messages, client)
            reportDrops()
            if work.stopping { break }
        }
        condition.withLock {
            finished = true
            condition.broadcast()
        }
    }

    /// One line per attempt, as for refused credentials; the backoff caps it at one a minute.
    private func tlsFailed(_ reason: String, retryingIn delay: Double) {
        logger.error("MQTT TLS handshake failed; retrying in \(Int(delay)) s",
                     metadata: ["broker": "\(settings.host):\(settings.port)", "tls": "\(settings.caFile)", "reason": "\(reason)"])
    }

    private func send(_ messages: [MQTTPlan.Message], _ client: MosquittoClient) {
        for m in messages {
            let room = condition.withLock { () -> Bool in
                guard inFlight < Self.maxInFlight else {
                    dropped += 1
                    droppedTotal.add(1, ordering: .relaxed)
                    return false
                }
                inFlight += 1
                return true
            }
            guard room else { continue }
            if !client.publish(topic: m.topic, payload: m.payload, retain: m.retain) {
                condition.withLock { inFlight -= 1 }  // not connected: nothing queued
            }
        }
    }

    /// One line when messages start being dropped, one when the episode is over, with the count. It
    /// is over when nothing was dropped since the last call and at most half of `maxInFlight` are still
    /// on their way: a broker that stops reading frees a slot now and then (the kernel takes a little
    /// more), which used to end and restart the episode, a pair of lines each time.
    private func reportDrops() {
        let (count, started, ended) = condition.withLock { () -> (Int, Bool, Bool) in
            if dropped > 0 {
                episodeDrops += dropped
                dropped = 0
                guard !dropping else { return (0, false, false) }
                dropping = true
                return (episodeDrops, true, false)
            }
            guard dropping, inFlight <= Self.maxInFlight / 2 else { return (0, false, false) }
            dropping = false
            defer { episodeDrops = 0 }
            return (episodeDrops, false, true)
        }
        if started {
            logger.warning("MQTT broker is not keeping up; dropping messages (the analysis and the socket are unaffected)",
                           metadata: ["dropped": "\(count)"])
        } else if ended {
            logger.notice("MQTT broker keeps up again", metadata: ["dropped": "\(count)"])
        }
    }

    static func firstLine(of path: String) throws -> String {
        let fd = try FileDescriptor.open(FilePath(path), .readOnly)
        defer { try? fd.close() }
        let bytes = try fd.read(upTo: 4096)
        return String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }, as: UTF8.self)
    }
}
