import MoodCore
@testable import MoodService
import MoodTestKit
import Synchronization
import Testing

final class LineSink: EventSubscriber {
    private let lines = Mutex<[String]>([])
    func receive(_ event: MoodEvent, line: [UInt8]) {
        lines.withLock { $0.append(String(decoding: line, as: UTF8.self)) }
    }
    var all: [String] { lines.withLock { $0 } }
}

@Suite struct EventHubTests {
    @Test func greetsEachClientWithHelloThenTheCurrentState() {
        let hub = Sample.hub()
        var tracker = MoodTracker(labels: Sample.labels, settings: .init(timeConstant: 0, dwell: 0, initialDwell: 0))
        let events = tracker.update(.init(
            time: 0, wallTime: Timestamp(millisecondsSinceEpoch: 1000), levelDB: -20, raw: [0.1, 0.7, 0.1, 0.1]))
        hub.publish(events, tracker: tracker, overruns: 5)
        let client = LineSink()
        guard case .connected(let id) = hub.connect(client) else {
            Issue.record("refused")
            return
        }
        let lines = client.all
        #expect(lines.count == 2)
        #expect(lines[0] == MoodEvent.hello(hub.hello).json + "\n")
        let state = try! MoodEvent(json: String(lines[1].dropLast()))
        guard case .state(let s) = state else {
            Issue.record("\(state)")
            return
        }
        #expect(s.label == .label("angry"))
        #expect(s.counters == .init(analyses: 1, overruns: 5, lostFrames: 0, clients: 1))
        #expect(s.since == Timestamp(millisecondsSinceEpoch: 1000))
        hub.disconnect(id)
        #expect(hub.counters.clients == 0)
    }

    /// Without MQTT the snapshots say `"mqtt":null`; with it, what the publisher reports at that moment.
    @Test func snapshotsCarryTheMQTTPublishersHealthWhenThereIsOne() throws {
        let hub = Sample.hub()
        #expect(hub.snapshot().mqtt == nil)
        #expect(MoodEvent.status(hub.snapshot()).json.hasSuffix(#","mqtt":null}"#))
        let reported = Mutex(MoodEvent.MQTTStatus(connected: false))
        hub.attachMQTT(status: { reported.withLock { $0 } })
        #expect(hub.snapshot().mqtt == .init(connected: false, dropped: 0, reconnects: 0))
        reported.withLock { $0 = .init(connected: true, dropped: 42, reconnects: 1) }
        let client = LineSink()
        _ = hub.connect(client)
        guard case .state(let s) = try MoodEvent(json: String(client.all[1].dropLast())) else {
            Issue.record("no state")
            return
        }
        #expect(s.mqtt == .init(connected: true, dropped: 42, reconnects: 1))
    }

    @Test func fansOutInOrderToClientsAndSinksButGreetsOnlyClients() {
        let hub = Sample.hub()
        let sink = LineSink()
        hub.attach(sink)
        let client = LineSink()
        _ = hub.connect(client)
        hub.publish([.source(Sample.source(.started))])
        hub.publish([Sample.mood(1), Sample.mood(2)], tracker: MoodTracker(labels: Sample.labels, settings: .init()), overruns: 0)
        let published = [MoodEvent.source(Sample.source(.started)), Sample.mood(1), Sample.mood(2)].map { $0.json + "\n" }
        #expect(sink.all == published)
        #expect(Array(client.all.dropFirst(2)) == published)
        #expect(hub.sourceStarted.isOpen)
        #expect(hub.counters.analyses == 2)
    }

    /// Established subscribers are handed each event before newer ones, whatever the churn in
    /// between: a flood of newcomers can only queue behind them.
    @Test func deliversOldestConnectionFirst() {
        let hub = Sample.hub(maxClients: 64)
        final class Order: Sendable {
            let names = Mutex<[Int]>([])
        }
        final class OrderSink: EventSubscriber {
            let name: Int
            let order: Order
            init(_ name: Int, _ order: Order) { self.name = name; self.order = order }
            func receive(_ event: MoodEvent, line: [UInt8]) {
                if case .source = event { order.names.withLock { $0.append(name) } }
            }
        }
        let order = Order()
        var ids: [EventHub.ClientID] = []
        for name in 0..<40 {
            guard case .connected(let id) = hub.connect(OrderSink(name, order)) else { return }
            ids.append(id)
        }
        for id in ids where ids.firstIndex(of: id)! % 3 == 1 { hub.disconnect(id) }  // churn
        for name in 40..<50 { _ = hub.connect(OrderSink(name, order)) }
        hub.publish([.source(Sample.source(.started))])
        let expected = (0..<50).filter { $0 >= 40 || $0 % 3 != 1 }
        #expect(order.names.withLock { $0 } == expected)
    }

    @Test func refusesClientsBeyondTheLimit() {
        let hub = Sample.hub(maxClients: 2)
        for _ in 0..<2 {
            if case .refused = hub.connect(LineSink()) { Issue.record("refused below the limit") }
        }
        let third = LineSink()
        guard case .refused(let reason) = hub.connect(third) else {
            Issue.record("accepted beyond the limit")
            return
        }
        #expect(reason == .error("too many clients (2); try again later"))
        #expect(third.all.isEmpty)
        #expect(hub.closeClients().count == 2)
        guard case .refused(.error("moodd is shutting down")) = hub.connect(LineSink()) else {
            Issue.record("accepted while shutting down")
            return
        }
    }

    @Test func summarisesForSystemd() {
        let hub = Sample.hub()
        #expect(hub.summary == "listening, 0 clients, source starting")
        var tracker = MoodTracker(labels: Sample.labels, settings: .init(timeConstant: 0, dwell: 0, initialDwell: 0))
        let events = tracker.update(.init(time: 0, wallTime: Timestamp(millisecondsSinceEpoch: 0), levelDB: -20, raw: [0.05, 0.05, 0.19, 0.71]))
        hub.publish(events, tracker: tracker, overruns: 0)
        _ = hub.connect(LineSink())
        hub.publish([.source(Sample.source(.lost))])
        #expect(hub.summary == "relaxed 0.71, 1 client, source lost")
    }
}

/// The `source` object is the same everywhere it appears. In protocol 2 the `source` event carried
/// the source's name as a string under `source` (state and reason beside it), while `state` and
/// `status` carried `{"name":...,"state":...}` without the reason: a client could not read either
/// with the same code, and `status` never said why the source was lost.
@Suite struct SourceShapeTests {
    @Test func theSourceEventAndTheSnapshotCarryTheSameSourceObject() throws {
        let hub = Sample.hub()
        var lost = Sample.source(.lost)
        lost.reason = "stalled"
        hub.publish([.source(lost)])
        let client = LineSink()
        _ = hub.connect(client)
        hub.publish([.source(lost)])
        let lines = client.all
        try #require(lines.count == 3)
        let state = try JSONValue.parse(String(lines[1].dropLast()))
        let event = try JSONValue.parse(String(lines[2].dropLast()))
        let expected = JSONValue.object([.init("name", .string("file:test.wav")), .init("state", .string("lost")),
                                         .init("reason", .string("stalled"))])
        #expect(event["source"] == expected, "\(lines[2])")
        #expect(state["source"] == expected, "\(lines[1])")
    }
}

@Suite struct EventHubHistoryTests {
    @Test func historyIsOffWithZeroSeconds() {
        let hub = EventHub(
            hello: .init(model: "m", labels: Sample.labels.names, hop: 1.5), tracker: MoodTracker(labels: Sample.labels, settings: .init()),
            sourceName: "x", maxClients: 4, history: .init(seconds: 0))
        hub.publish([.source(Sample.source(.started))])
        #expect(hub.historyLine(seconds: nil, maxBytes: 1 << 20) == MoodEvent.error("history is off (history.seconds = 0)").jsonLine())
    }

    /// The hub keeps what it publishes, the lines its subscribers got, and says so from its start.
    @Test func historyHoldsThePublishedLines() throws {
        let hub = Sample.hub()
        hub.publish([.source(Sample.source(.started))])
        hub.publish([Sample.mood(1)], tracker: MoodTracker(labels: Sample.labels, settings: .init()), overruns: 0)
        guard case .history(let h) = try MoodEvent(jsonLine: hub.historyLine(seconds: 60, maxBytes: 1 << 20)) else {
            Issue.record("not history")
            return
        }
        #expect(h.events == [.source(Sample.source(.started)), Sample.mood(1)])
        #expect(h.from == Timestamp(millisecondsSinceEpoch: 1_795_255_200_000))
    }
}
