import MoodCore
import MoodTestKit
import Testing

/// `MoodTracker` with a content head: `speech` and `noise` beside the moods, as a pure state machine
/// fed one observation per 1.5 s, no sleeping.
@Suite struct MoodTrackerContentTests {
    let happy = ObservationScript.peaked(0)
    let sad = ObservationScript.peaked(2)
    let relaxed = ObservationScript.peaked(3)
    let music = ObservationScript.content(.music)
    let speech = ObservationScript.content(.speech)
    let noise = ObservationScript.content(.noise)

    func tracker(tau: Double = 3, initial: Double = 3, enter: Double = 3, leave: Double = 6) -> MoodTracker {
        MoodTracker(
            labels: .quadrants,
            settings: .init(timeConstant: tau, dwell: 10, initialDwell: initial, contentEnterDwell: enter, contentLeaveDwell: leave),
            hasContentHead: true)
    }

    static func states(_ events: [[MoodEvent]]) -> [MoodState] { MoodTrackerTests.moods(events).map(\.label) }

    static func transitions(_ events: [[MoodEvent]]) -> [String] {
        MoodTrackerTests.changes(events).map { "\($0.change.from)->\($0.change.to)" }
    }

    @Test func speechIsAnnouncedAfterTheEnterDwellAndClaimsNoMood() throws {
        var t = tracker()
        var script = ObservationScript()
        script.add(sad, content: speech, count: 4)
        let events = script.run(&t)
        #expect(Self.states(events) == [.listening, .listening, .speech, .speech])
        #expect(Self.transitions(events) == ["listening->speech"])
        let mood = MoodTrackerTests.moods(events)[3]
        #expect(mood.confidence == 0 && mood.probabilities == nil && mood.valence == nil && mood.arousal == nil)
        #expect(mood.raw?.values == sad, "raw still carries the mood head's output")
        let content = try #require(mood.content)
        #expect(content.labels == ["music", "speech", "noise"] && content["speech"]! > 0.5)
        let snapshot = t.snapshot(time: script.observations[3].wallTime, source: .init(name: "x", state: .started), counters: .init())
        #expect(snapshot.label == .speech && snapshot.probabilities == nil && snapshot.content == content && snapshot.confidence == 0)
    }

    /// With content on music from the start the mood comes as soon as it would without a content head.
    @Test func musicIsAnnouncedWithItsMoodAtTheUsualTime() {
        var t = tracker()
        var script = ObservationScript()
        script.add(happy, content: music, count: 4)
        let events = script.run(&t)
        #expect(Self.states(events) == [.listening, .listening, .label("happy"), .label("happy")])
        let mood = MoodTrackerTests.moods(events)[3]
        #expect(mood.probabilities != nil && mood.confidence > 0.5 && mood.valence != nil && mood.content?["music"] ?? 0 > 0.5)
    }

    /// The case: a track, a conversation, the track again: `relaxed` -> `speech` -> `relaxed`,
    /// without `listening` between, and no mood change while people talk.
    @Test func relaxedThenSpeechThenRelaxed() {
        var t = tracker()
        var script = ObservationScript()
        script.add(relaxed, content: music, seconds: 15)
        script.add(sad, content: speech, seconds: 20)  // talk that the mood head hears as sad
        script.add(relaxed, content: music, seconds: 15)
        let events = script.run(&t)
        #expect(Self.transitions(events) == ["listening->relaxed", "relaxed->speech", "speech->relaxed"])
        #expect(!Self.states(events).contains(.label("sad")))
    }

    /// Windows whose content is not music leave the mood smoother alone, so a spoken word over a
    /// track neither breaks the mood nor drags it.
    @Test func aBriefSpeechInsideMusicKeepsTheMoodAndItsProbabilities() {
        var t = tracker()
        var script = ObservationScript()
        script.add(relaxed, content: music, count: 6)
        script.add(sad, content: speech, count: 3)  // 4.5 s: shorter than the leave dwell
        script.add(relaxed, content: music, count: 4)
        let events = script.run(&t)
        let moods = MoodTrackerTests.moods(events)
        #expect(Self.transitions(events) == ["listening->relaxed"])
        #expect(moods[5].probabilities == moods[6].probabilities && moods[6].probabilities == moods[8].probabilities)
        #expect(moods[8].raw?.values == sad && moods[8].content!["speech"]! > moods[5].content!["speech"]!)
        #expect(moods.dropFirst(2).allSatisfy { $0.label == .label("relaxed") })
    }

    @Test func aBriefMusicInsideSpeechStartsNoMood() {
        var t = tracker()
        var script = ObservationScript()
        script.add(sad, content: speech, count: 6)
        script.add(happy, content: music, count: 2)  // 3 s of music: it leads the smoothed content only briefly
        script.add(sad, content: speech, count: 6)
        let events = script.run(&t)
        #expect(Self.transitions(events) == ["listening->speech"])
    }

    /// Music after speech, with a mood that has not led for the initial dwell yet: `listening` until it has.
    @Test func musicWithoutASettledMoodIsListeningFirst() {
        var t = tracker(tau: 0, initial: 6, enter: 3)
        var script = ObservationScript()
        script.add(sad, content: speech, count: 4)
        script.add(happy, content: music, count: 6)
        let events = script.run(&t)
        // Music from 6.0 s: content enters music at 9.0 s (happy has led 3 s), happy after 6 s at 12.0 s.
        #expect(Self.transitions(events) == ["listening->speech", "speech->listening", "listening->happy"])
        #expect(MoodTrackerTests.changes(events).map(\.index) == [2, 6, 8])
    }

    /// Leaving music resets the mood smoother: the next music's mood is its own from its first window,
    /// without a trace of the last track's (visible while `listening`: the initial dwell of 6 s is
    /// longer than the content's enter dwell).
    @Test func theNextMusicMayBeAnotherTrack() throws {
        var t = tracker(initial: 6)
        var script = ObservationScript()
        script.add(relaxed, content: music, seconds: 12)
        script.add(sad, content: noise, seconds: 12)
        script.add(happy, content: music, seconds: 9)
        let events = script.run(&t)
        #expect(Self.transitions(events) == ["listening->relaxed", "relaxed->noise", "noise->listening", "listening->happy"])
        let moods = MoodTrackerTests.moods(events)
        let afterNoise = moods[try #require(moods.firstIndex { $0.label == .noise })...]
        let listening = try #require(afterNoise.first { $0.label == .listening })
        let p = try #require(listening.probabilities?.values)
        #expect(zip(p, happy).allSatisfy { abs($0 - $1) < 1e-6 }, "\(p)")
    }

    @Test func speechAndNoiseAreDistinctStates() {
        var t = tracker(tau: 0)
        var script = ObservationScript()
        script.add(sad, content: speech, count: 3)
        script.add(sad, content: noise, count: 3)
        #expect(Self.transitions(script.run(&t)) == ["listening->speech", "speech->noise"])
    }

    /// Silence is the level gate and comes first: from speech straight to silence, content forgotten,
    /// then `listening` until a kind has led again.
    @Test func silenceTakesPrecedenceAndForgetsTheContent() {
        var t = tracker()
        var script = ObservationScript()
        script.add(sad, content: speech, count: 4)
        script.addSilence(seconds: 3)
        script.add(sad, content: speech, count: 3)
        let events = script.run(&t)
        #expect(Self.transitions(events) == ["listening->speech", "speech->silence", "silence->listening", "listening->speech"])
        let moods = MoodTrackerTests.moods(events)
        #expect(moods[4].label == .silence && moods[4].content == nil && moods[4].raw == nil)
        #expect(moods[6].label == .listening, "one window after silence is not enough to call it speech again")
    }

    @Test func resetOnSourceLossForgetsTheContent() {
        var t = tracker()
        var script = ObservationScript()
        script.add(relaxed, content: music, count: 4)
        var events = script.run(&t)
        let lost = t.reset(at: script.observations[3].wallTime)
        #expect(lost == [.change(.init(from: .label("relaxed"), to: .listening, time: script.observations[3].wallTime))])
        #expect(t.contentProbabilities == nil && t.probabilities == nil)
        var after = ObservationScript(start: script.start)
        after.add(sad, content: speech, count: 3)
        events = after.observations.map { o in
            var o = o
            o.time += 100
            return t.update(o)
        }
        #expect(Self.states(events) == [.listening, .listening, .speech])
    }

    /// Without a content head the tracker behaves as protocol 1 did: no content, no speech or noise.
    @Test func withoutAContentHeadThereIsNoContent() {
        var t = MoodTracker(labels: .quadrants, settings: .init())
        #expect(!t.hasContentHead)
        var script = ObservationScript()
        script.add(sad, count: 4)
        let events = script.run(&t)
        #expect(Self.states(events) == [.listening, .listening, .label("sad"), .label("sad")])
        #expect(MoodTrackerTests.moods(events).allSatisfy { $0.content == nil })
        #expect(t.snapshot(time: script.start, source: .init(name: "x", state: nil), counters: .init()).content == nil)
    }
}
