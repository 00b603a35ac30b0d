import MoodCore
import MoodTestKit
import Testing

@Suite struct MoodTrackerTests {
    let happy = ObservationScript.peaked(0)
    let angry = ObservationScript.peaked(1)
    let sad = ObservationScript.peaked(2)

    func tracker(tau: Double = 3, dwell: Double = 10, initial: Double = 3, threshold: Float = -50) -> MoodTracker {
        MoodTracker(
            labels: .quadrants,
            settings: .init(timeConstant: tau, dwell: dwell, initialDwell: initial, silenceThresholdDB: threshold))
    }

    static func changes(_ events: [[MoodEvent]]) -> [(index: Int, change: MoodEvent.Change)] {
        events.enumerated().flatMap { i, list in
            list.compactMap { if case .change(let c) = $0 { (i, c) } else { nil } }
        }
    }

    static func moods(_ events: [[MoodEvent]]) -> [MoodEvent.Mood] {
        events.map { list in
            guard case .mood(let m) = list.last! else { Issue.record("last event is not a mood"); fatalError() }
            return m
        }
    }

    @Test func startsListeningAndAnnouncesAfterTheInitialDwell() {
        var t = tracker()
        #expect(t.state == .listening)
        var script = ObservationScript()
        script.add(happy, count: 5)
        let events = script.run(&t)
        let changes = Self.changes(events)
        // Analyses at 0, 1.5, 3.0: happy has led from 0, so at 3.0 it has led for 3 s.
        #expect(changes.count == 1)
        #expect(changes.first?.index == 2)
        #expect(changes.first?.change == .init(from: .listening, to: .label("happy"), time: script.observations[2].wallTime))
        let moods = Self.moods(events)
        #expect(moods.map(\.label) == [.listening, .listening, .label("happy"), .label("happy"), .label("happy")])
        #expect(moods[0].confidence == 0)
        #expect(moods[2].confidence == moods[2].probabilities!["happy"])
        // The change precedes the mood event of the same analysis.
        #expect(events[2].count == 2)
        if case .change = events[2][0] {} else { Issue.record("change must come first") }
    }

    @Test(arguments: [(0.0, 0), (1.5, 1), (2.0, 2), (3.0, 2), (4.5, 3), (20.0, 7)])
    func initialDwellDecidesTheFirstAnnouncement(initial: Double, expectedIndex: Int) {
        // dwell 10 caps the effective initial dwell: 20 behaves as 10 (index 7 = 10.5 s).
        var t = tracker(initial: initial)
        var script = ObservationScript()
        script.add(happy, count: 10)
        #expect(Self.changes(script.run(&t)).map(\.index) == [expectedIndex])
    }

    @Test func aNewLabelMustLeadForTheWholeDwell() {
        var t = tracker()
        var script = ObservationScript()
        script.add(happy, count: 6)
        script.add(sad, count: 20)
        let events = script.run(&t)
        let moods = Self.moods(events)
        // Where the smoothed sad first leads, from the tracker's own published probabilities.
        let firstLead = moods.indices.first { i in
            let p = moods[i].probabilities!.values
            return i >= 6 && p[2] > p[0]
        }!
        let leadTime = script.observations[firstLead].time
        let expected = script.observations.indices.first { script.observations[$0].time - leadTime >= 10 }!
        let changes = Self.changes(events)
        #expect(changes.map(\.index) == [2, expected])
        #expect(changes.last?.change.from == .label("happy"))
        #expect(changes.last?.change.to == .label("sad"))
        #expect(moods[expected - 1].label == .label("happy"))
        #expect(moods[expected].label == .label("sad"))
    }

    @Test func aChallengerThatStopsLeadingStartsOver() {
        // No smoothing, so the raw leader leads: sad for 3 analyses (4.5 s), happy for one, sad again...
        var t = tracker(tau: 0, dwell: 5, initial: 0)
        var script = ObservationScript()
        script.add(happy, count: 1)
        for _ in 0..<10 {
            script.add(sad, count: 4)  // leads from its first to its fourth analysis: 4.5 s < 5 s
            script.add(happy, count: 1)
        }
        let changes = Self.changes(script.run(&t))
        #expect(changes.map(\.change.to) == [.label("happy")])
        #expect(t.state == .label("happy"))
    }

    @Test func aTieKeepsTheAnnouncedLabel() {
        var t = tracker(tau: 0, dwell: 0, initial: 0)
        var script = ObservationScript()
        script.add([0.1, 0.2, 0.7, 0], count: 1)
        script.add([0.4, 0.1, 0.4, 0.1], count: 3)  // sad and happy tie: sad stays
        let events = script.run(&t)
        #expect(Self.changes(events).map(\.change.to) == [.label("sad")])
        #expect(t.state == .label("sad"))
    }

    @Test func silenceIsAnnouncedAtOnceAndResetsTheSmoother() {
        var t = tracker()
        var script = ObservationScript()
        script.add(happy, count: 4)
        script.add([0.1, 0.1, 0.1, 0.7], levelDB: -60, count: 2)  // inference ran anyway
        script.add(nil, levelDB: -.infinity, count: 1)
        script.add(sad, count: 3)
        let events = script.run(&t)
        let changes = Self.changes(events)
        #expect(changes.map(\.index) == [2, 4, 7, 9])
        #expect(changes.map(\.change.to) == [.label("happy"), .silence, .listening, .label("sad")])
        let moods = Self.moods(events)
        for m in moods[4...6] {
            #expect(m.label == .silence)
            #expect(m.confidence == 0)
            #expect(m.probabilities == nil)
            #expect(m.valence == nil && m.arousal == nil)
        }
        #expect(moods[4].raw?.values == [0.1, 0.1, 0.1, 0.7])
        #expect(moods[4].levelDB == -60)
        #expect(moods[6].raw == nil)
        #expect(moods[6].levelDB == nil)  // -inf: digital silence
        // After silence the smoother starts afresh: the first distribution is the input itself.
        #expect(moods[7].label == .listening)
        #expect(moods[7].probabilities?.values == MoodSmoother.normalised(sad))
    }

    @Test(arguments: [(Float(-50), false), (-50.01, true), (-49.99, false), (-.infinity, true), (.nan, true), (0, false)])
    func silenceThreshold(level: Float, silent: Bool) {
        let t = tracker(threshold: -50)
        #expect(t.isSilent(levelDB: level) == silent)
    }

    @Test func aLoudWindowWithoutModelOutputChangesOnlyTheLevel() {
        var t = tracker(initial: 0)
        var script = ObservationScript()
        script.add(happy, count: 1)
        script.add(nil, levelDB: -12, count: 1)
        let moods = Self.moods(script.run(&t))
        #expect(moods[1].label == .label("happy"))
        #expect(moods[1].probabilities == moods[0].probabilities)
        #expect(moods[1].raw == nil)
        #expect(moods[1].levelDB == -12)
    }

    @Test func resetGoesBackToListening() {
        var t = tracker(initial: 0)
        var script = ObservationScript()
        script.add(happy, count: 2)
        _ = script.run(&t)
        let lost = Timestamp(millisecondsSinceEpoch: 42)
        #expect(t.reset(at: lost) == [.change(.init(from: .label("happy"), to: .listening, time: lost))])
        #expect(t.state == .listening)
        #expect(t.probabilities == nil)
        #expect(t.since == lost)
        #expect(t.reset(at: lost).isEmpty)
    }

    @Test func valenceAndArousalFollowTheQuadrants() {
        var t = tracker(tau: 0, initial: 0)
        let m = Self.moods([t.update(.init(time: 0, wallTime: .init(millisecondsSinceEpoch: 0), levelDB: -10, raw: [0.5, 0.25, 0.125, 0.125]))])[0]
        #expect(abs(m.valence! - (0.5 + 0.125 - 0.25 - 0.125)) < 1e-6)
        #expect(abs(m.arousal! - (0.5 + 0.25 - 0.125 - 0.125)) < 1e-6)
    }

    @Test func snapshotDescribesTheAnnouncedState() {
        var t = tracker(initial: 0)
        var script = ObservationScript()
        script.add(happy, count: 3)
        _ = script.run(&t)
        let now = Timestamp(millisecondsSinceEpoch: script.start.millisecondsSinceEpoch + 5000)
        let source = MoodEvent.SourceStatus(name: "pulse:x", state: .started)
        let counters = MoodEvent.Counters(analyses: 3, overruns: 1, lostFrames: 2, clients: 1)
        let s = t.snapshot(time: now, source: source, counters: counters)
        #expect(s.label == .label("happy"))
        #expect(s.since == script.start)
        #expect(s.confidence == t.confidence)
        #expect(s.probabilities?.labels == MoodLabels.quadrants.names)
        #expect(s.source == source && s.counters == counters && s.time == now)
    }

    @Test func labelsWithoutAxesHaveNoPlane() throws {
        var t = MoodTracker(labels: try MoodLabels(["calm", "tense"]), settings: .init(initialDwell: 0))
        let events = t.update(.init(time: 0, wallTime: .init(millisecondsSinceEpoch: 0), levelDB: -10, raw: [0.2, 0.8]))
        let m = Self.moods([events])[0]
        #expect(m.label == .label("tense"))
        #expect(m.valence == nil && m.arousal == nil)
    }
}
