import MoodAudio
import MoodCore
import MoodSystem
import Synchronization

/// Something the hub hands published events to: a socket client or the event log.
///
/// `receive` is called with the hub's lock held, in publication order: it must return at once
/// (enqueue, never write or wait) and must not call back into the hub.
public protocol EventSubscriber: AnyObject, Sendable {
    /// - Parameters:
    ///   - event: the event;
    ///   - line: its `jsonLine()`, encoded once for every subscriber.
    func receive(_ event: MoodEvent, line: [UInt8])

    /// `WriteProgress.stalledSince` for a socket client; nil for anything else.
    var stalledSince: Double? { get }

    /// Sends `farewell` (best effort) and closes; the hub has already unsubscribed it. Any thread;
    /// must not call back into the hub.
    func evict(farewell: [UInt8])
}

extension EventSubscriber {
    public var stalledSince: Double? { nil }
    public func evict(farewell: [UInt8]) {}
}

/// The fan-out point between the analysis and its audiences, and the keeper of the current state.
///
/// Every published event goes, in order, to every connected client and to the attached sinks (the
/// log). The hub keeps what a newcomer needs: the `hello`, and the tracker, source status and
/// counters from which the `state` snapshot and `status` replies are made. `connect` greets a
/// client and subscribes it under the same lock as `publish`, so it sees each event exactly once:
/// either in the snapshot or as an event after it.
public final class EventHub: Sendable {
    /// A connected client's ticket, for `disconnect`.
    public struct ClientID: Hashable, Sendable {
        let raw: Int
    }

    private struct State {
        var tracker: MoodTracker
        var source: MoodEvent.SourceStatus
        var counters = MoodEvent.Counters()
        /// By ticket number, which grows with each connection.
        var clients: [Int: any EventSubscriber] = [:]
        var sinks: [any EventSubscriber] = []
        /// The snapshots' `mqtt` object; nil: MQTT is off.
        var mqttStatus: (@Sendable () -> MoodEvent.MQTTStatus)?
        /// What `{"cmd":"history"}` answers from.
        var history: HistoryRing
        var nextID = 0
        /// Shutting down: no new clients.
        var closed = false
    }

    /// The `hello` every client gets first.
    public let hello: MoodEvent.Hello
    /// Connections beyond this many are refused (`socket.max_clients`), unless one that does not read
    /// gives its place up (`admission`).
    public var maxClients: Int { admission.maxClients }
    public let admission: ClientAdmission
    /// Opens on the first `source` event saying `started` (or `recovered`). Not part of readiness:
    /// the daemon is ready once its socket listens, whatever the source is doing (`STATUS=` says).
    public let sourceStarted = Latch()
    private let state: Mutex<State>
    private let clock: @Sendable () -> Timestamp
    private let monotonic: @Sendable () -> Double

    /// - Parameters:
    ///   - tracker: the analysis's tracker as it starts (its labels and settings; `listening`).
    ///   - sourceName: the configured source, `pulse:@DEFAULT_MONITOR@`, for snapshots.
    ///   - unreadTimeout: `socket.unread_timeout` (`ClientAdmission`).
    ///   - history: the `[history]` bounds (`HistoryRing`).
    ///   - clock: wall time for snapshots; `monotonic`: seconds, for the clients' write stalls.
    public init(
        hello: MoodEvent.Hello, tracker: MoodTracker, sourceName: String, maxClients: Int, unreadTimeout: Double = 0,
        history: HistoryRing.Settings = .init(),
        clock: @escaping @Sendable () -> Timestamp = { SystemClock().wallTime },
        monotonic: @escaping @Sendable () -> Double = { SystemClock.now.seconds }
    ) {
        self.hello = hello
        self.admission = ClientAdmission(maxClients: maxClients, unreadTimeout: unreadTimeout)
        self.clock = clock
        self.monotonic = monotonic
        state = Mutex(State(
            tracker: tracker, source: MoodEvent.SourceStatus(name: sourceName, state: nil),
            history: HistoryRing(settings: history, start: clock())))
    }

    // MARK: Publishing

    /// Publishes the events of one analysis (its `change`s, then its `mood`) and records the tracker
    /// they came from; `overruns` is the capture ring's count, which only the analysis side can read.
    public func publish(_ events: [MoodEvent], tracker: MoodTracker, overruns: Int) {
        state.withLock { state in
            state.tracker = tracker
            state.counters.overruns = max(state.counters.overruns, overruns)
            for event in events { Self.deliver(event, in: &state) }
        }
    }

    /// Publishes events that carry no tracker (a `source` event, a `change` from a reset).
    public func publish(_ events: [MoodEvent]) {
        var started = false
        state.withLock { state in
            for event in events {
                if case .source(let s) = event, s.state == .started || s.state == .recovered { started = true }
                Self.deliver(event, in: &state)
            }
        }
        if started { sourceStarted.open() }
    }

    private static func deliver(_ event: MoodEvent, in state: inout State) {
        switch event {
        case .mood: state.counters.analyses += 1
        case .source(let s):
            state.source = s.status
            state.counters.overruns = max(state.counters.overruns, s.overruns)
            state.counters.lostFrames = max(state.counters.lostFrames, s.lostFrames)
        default: break
        }
        let line = event.jsonLine()
        state.history.record(event, line: line)
        // Sinks first: whatever a client has seen is already queued for the log, so a SIGHUP sent
        // by someone who saw an event cannot reach the log before that event does.
        for sink in state.sinks { sink.receive(event, line: line) }
        // Oldest connection first: a crowd of newcomers (or a connect/close flood) queues behind the
        // established subscribers, never in front of them.
        for id in state.clients.keys.sorted() { state.clients[id]!.receive(event, line: line) }
    }

    // MARK: Subscribers

    public enum Connection: Sendable {
        case connected(ClientID)
        /// Not subscribed; send this `error` event and close.
        case refused(MoodEvent)
    }

    /// Greets `client` with `hello` and a `state` snapshot and subscribes it; refused when
    /// `maxClients` are already connected and all of them read, or the daemon is shutting down.
    /// When one of them has not taken a write for `ClientAdmission.evictionGrace` seconds, the one
    /// stalled longest is disconnected to make room.
    public func connect(_ client: any EventSubscriber) -> Connection {
        state.withLock { state in
            if state.closed { return .refused(.error("moodd is shutting down")) }
            switch admission.admit(Self.admissionView(state), now: monotonic()) {
            case .admit:
                break
            case .refuse:
                return .refused(.error("too many clients (\(maxClients)); try again later"))
            case .admitEvicting(let id, let stalledFor):
                state.clients.removeValue(forKey: id)?.evict(farewell: MoodEvent.error(
                    "not reading: nothing taken for \(Self.twoDecimals(stalledFor)) s and every place (\(maxClients)) is taken; disconnecting"
                ).jsonLine())
            }
            state.nextID += 1
            state.clients[state.nextID] = client
            let hello = MoodEvent.hello(hello)
            client.receive(hello, line: hello.jsonLine())
            let snapshot = MoodEvent.state(Self.snapshot(of: state, at: clock()))
            client.receive(snapshot, line: snapshot.jsonLine())
            return .connected(ClientID(raw: state.nextID))
        }
    }

    /// Refuses new clients from now on and returns the connected ones (to close them): shutdown.
    public func closeClients() -> [any EventSubscriber] {
        state.withLock { state in
            state.closed = true
            return Array(state.clients.values)
        }
    }

    /// Disconnects the clients that have not taken a write for `socket.unread_timeout` seconds;
    /// returns how many. Called every half second by the socket server.
    public func disconnectUnreadClients() -> Int {
        state.withLock { state in
            let expired = admission.expired(Self.admissionView(state), now: monotonic())
            for id in expired {
                state.clients.removeValue(forKey: id)?.evict(farewell: MoodEvent.error(
                    "not reading: nothing taken for \(Self.twoDecimals(admission.unreadTimeout)) s; disconnecting"
                ).jsonLine())
            }
            return expired.count
        }
    }

    private static func admissionView(_ state: State) -> [ClientAdmission.Client] {
        state.clients.map { ClientAdmission.Client(id: $0.key, stalledSince: $0.value.stalledSince) }
    }

    /// Unsubscribes a client; idempotent.
    public func disconnect(_ id: ClientID) {
        _ = state.withLock { $0.clients.removeValue(forKey: id.raw) }
    }

    /// Subscribes a sink that is not a client (the log): no greeting, not counted, not limited.
    public func attach(_ sink: any EventSubscriber) {
        state.withLock { $0.sinks.append(sink) }
    }

    /// Makes `state` and `status` carry the MQTT publisher's health (`MQTTService.status`). Called
    /// with the hub's lock held, like `receive`: it must return at once and not call back into the hub.
    public func attachMQTT(status: @escaping @Sendable () -> MoodEvent.MQTTStatus) {
        state.withLock { $0.mqttStatus = status }
    }

    // MARK: State

    /// The reply to `{"cmd":"history"}`, one line of at most `maxBytes` (the newest entries that
    /// fit), or an `error` line when history is off. The ring is copied under the lock (a reference
    /// count) and the line built outside it, so a large reply never holds up publishing.
    public func historyLine(seconds: Double?, maxBytes: Int) -> [UInt8] {
        let (ring, now) = state.withLock { ($0.history, clock()) }
        guard ring.settings.isOn else {
            return MoodEvent.error("history is off (history.seconds = 0)").jsonLine()
        }
        return ring.reply(seconds: seconds, now: now, maxBytes: maxBytes)
    }

    /// The snapshot as of now: the body of the `state` event and of the `status` reply.
    public func snapshot() -> MoodEvent.Snapshot {
        state.withLock { Self.snapshot(of: $0, at: clock()) }
    }

    public var counters: MoodEvent.Counters {
        state.withLock { state in
            var counters = state.counters
            counters.clients = state.clients.count
            return counters
        }
    }

    /// One line for systemd's `STATUS=`: `relaxed 0.71, 3 clients`.
    public var summary: String {
        let s = snapshot()
        var text = s.label.name
        if case .label = s.label {
            text += " " + Self.twoDecimals(Double(s.confidence))
        }
        text += ", \(s.counters.clients) client\(s.counters.clients == 1 ? "" : "s")"
        switch s.source.state {
        case nil: text += ", source starting"
        case .started?, .recovered?: break
        case let other?: text += ", source \(other.rawValue)"
        }
        return text
    }

    /// `0.71`, `2.50`: seconds and confidences in messages and `STATUS=`; `-` when not finite.
    static func twoDecimals(_ value: Double) -> String {
        value.isFinite ? DecimalFormat(decimals: 2, trimsZeros: false).string(value) : "-"
    }

    private static func snapshot(of state: State, at time: Timestamp) -> MoodEvent.Snapshot {
        var counters = state.counters
        counters.clients = state.clients.count
        var snapshot = state.tracker.snapshot(time: time, source: state.source, counters: counters)
        snapshot.mqtt = state.mqttStatus?()
        return snapshot
    }
}
