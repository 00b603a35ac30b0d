import MoodCore
import Testing

@Suite struct MQTTPlanTests {
    static let settings = MQTTPlan.Settings(topic: "moodd/den", discoveryPrefix: "homeassistant", publishInterval: 10,
                                            station: "den.local", labels: ["happy", "angry", "sad", "relaxed"], version: "0.1.0")

    static func snapshot(_ label: MoodState, valence: Float? = 0.5) -> MoodEvent.Snapshot {
        MoodEvent.Snapshot(
            time: Timestamp(millisecondsSinceEpoch: 1_795_255_200_000), label: label, confidence: label.isMood ? 0.7 : 0,
            probabilities: nil, content: Distribution(labels: ["music", "speech", "noise"], values: [0.9, 0.05, 0.05]),
            valence: valence, arousal: valence.map { -$0 }, since: Timestamp(millisecondsSinceEpoch: 1_795_255_100_000),
            source: .init(name: "pulse", state: .started), counters: .init())
    }

    @Test func connectingRetainsAvailabilityDiscoveryAndStateThenChangesGoAtOnce() throws {
        var plan = MQTTPlan(Self.settings)
        #expect(plan.lastWill == .init(topic: "moodd/den/availability", payload: "offline", retain: true))
        let mood = MoodEvent.mood(.init(time: Timestamp(millisecondsSinceEpoch: 1), label: .label("happy"), confidence: 0.7,
                                        probabilities: nil, raw: nil, valence: 0.5, arousal: 0.5, levelDB: -20))
        #expect(plan.published(mood, line: "{}", state: Self.snapshot(.label("happy")), now: 0).isEmpty)  // not connected yet
        #expect(plan.nextTick == nil)
        let first = plan.connected(state: Self.snapshot(.label("relaxed")), now: 100)
        #expect(plan.nextTick == 110)
        #expect(first.first == .init(topic: "moodd/den/availability", payload: "online", retain: true))
        #expect(first.allSatisfy { $0.retain })
        let discovery = first.filter { $0.topic.hasPrefix("homeassistant/") }
        #expect(discovery.map(\.topic) == [
            "homeassistant/sensor/moodd_den_local/mood/config", "homeassistant/sensor/moodd_den_local/valence/config",
            "homeassistant/sensor/moodd_den_local/arousal/config", "homeassistant/sensor/moodd_den_local/confidence/config",
            "homeassistant/binary_sensor/moodd_den_local/music/config",
        ])
        let moodConfig = try JSONValue.parse(discovery[0].payload)
        #expect(moodConfig["unique_id"]?.stringValue == "moodd_den_local_mood")
        #expect(moodConfig["state_topic"]?.stringValue == "moodd/den/state")
        #expect(moodConfig["availability_topic"]?.stringValue == "moodd/den/availability")
        #expect(moodConfig["options"]?.arrayValue?.compactMap(\.stringValue) == ["happy", "angry", "sad", "relaxed", "listening", "silence", "speech", "noise"])
        let state = try JSONValue.parse(try #require(first.last).payload)
        #expect(first.last?.topic == "moodd/den/state")
        #expect(state["label"]?.stringValue == "relaxed" && state["music"]?.stringValue == "ON" && state["source"]?.stringValue == "started")
        #expect(state["content"]?["music"]?.doubleValue == 0.9)

        // A mood sample alone: nothing until the interval has passed, then the state.
        #expect(plan.published(mood, line: "{}", state: Self.snapshot(.label("relaxed")), now: 105).isEmpty)
        #expect(plan.published(mood, line: "{}", state: Self.snapshot(.label("relaxed")), now: 110).map(\.topic) == ["moodd/den/state"])
        // A change: the event (not retained) and the state, at once.
        let change = MoodEvent.change(.init(from: .label("relaxed"), to: .speech, time: Timestamp(millisecondsSinceEpoch: 2)))
        let sent = plan.published(change, line: #"{"event":"change"}"#, state: Self.snapshot(.speech, valence: nil), now: 111)
        #expect(sent.map(\.topic) == ["moodd/den/event", "moodd/den/state"])
        #expect(plan.nextTick == 121)  // the interval counts from the last state, periodic or not
        #expect(sent[0] == .init(topic: "moodd/den/event", payload: #"{"event":"change"}"#, retain: false))
        let speech = try JSONValue.parse(sent[1].payload)
        #expect(speech["music"]?.stringValue == "OFF" && speech["valence"] == .null)
        #expect(plan.tick(state: Self.snapshot(.speech), now: 115).isEmpty)
        #expect(plan.tick(state: Self.snapshot(.speech), now: 121).count == 1)

        plan.disconnected()
        #expect(plan.tick(state: Self.snapshot(.speech), now: 200).isEmpty)
        #expect(plan.nextTick == nil)
        #expect(plan.shuttingDown() == [.init(topic: "moodd/den/availability", payload: "offline", retain: true)])
    }

    @Test func anEmptyPrefixMeansNoDiscovery() {
        var settings = Self.settings
        settings.discoveryPrefix = ""
        var plan = MQTTPlan(settings)
        #expect(plan.connected(state: Self.snapshot(.listening), now: 0).map(\.topic) == ["moodd/den/availability", "moodd/den/state"])
    }
}
