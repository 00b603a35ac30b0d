import MoodCore
import MoodTestKit
import Testing

/// `ContentTracker` as a pure state machine: windows every 1.5 s of monotonic time, no sleeping.
@Suite struct ContentTrackerTests {
    let music = ObservationScript.content(.music)
    let speech = ObservationScript.content(.speech)
    let noise = ObservationScript.content(.noise)

    /// Feeds `windows` (one per hop from `start`) and returns the state after each.
    static func run(
        _ t: inout ContentTracker, _ windows: [[Float]], start: Double = 0, hop: Double = 1.5
    ) -> [ContentKind?] {
        windows.enumerated().map { i, w in
            t.update(w, at: start + Double(i) * hop)
            return t.state
        }
    }

    func tracker(tau: Double = 0, enter: Double = 3, leave: Double = 6) -> ContentTracker {
        ContentTracker(settings: .init(timeConstant: tau, enterDwell: enter, leaveDwell: leave))
    }

    @Test(arguments: [ContentKind.music, .speech, .noise])
    func aKindIsEnteredAfterLeadingForTheEnterDwell(kind: ContentKind) {
        var t = tracker()
        #expect(t.state == nil && t.probabilities == nil)
        let states = Self.run(&t, Array(repeating: ObservationScript.content(kind), count: 4))
        // Leads from 0 s; at 3.0 s (the third window) it has led for 3 s.
        #expect(states == [nil, nil, kind, kind])
    }

    @Test func leavingMusicTakesTheLeaveDwell() {
        var t = tracker()
        _ = Self.run(&t, Array(repeating: music, count: 3))
        #expect(t.state == .music)
        // Speech leads from 4.5 s; 6 s later, at 10.5 s (the fifth speech window), music is left.
        let states = Self.run(&t, Array(repeating: speech, count: 6), start: 4.5)
        #expect(states == [.music, .music, .music, .music, .speech, .speech])
    }

    @Test func aBriefSpeechInsideMusicDoesNotLeaveIt() {
        var t = tracker()
        let windows = Array(repeating: music, count: 4) + Array(repeating: speech, count: 4) + Array(repeating: music, count: 2)
            + Array(repeating: speech, count: 4) + [music]
        let states = Self.run(&t, windows)
        // 4.5 s of speech twice (each shorter than the 6-s leave dwell, with music between): music throughout.
        #expect(states.dropFirst(2).allSatisfy { $0 == .music })
    }

    @Test func aBriefMusicInsideSpeechDoesNotEnterIt() {
        var t = tracker()
        let windows = Array(repeating: speech, count: 3) + [music, music] + Array(repeating: speech, count: 2) + [music, music, speech]
        let states = Self.run(&t, windows)
        #expect(states.dropFirst(2).allSatisfy { $0 == .speech }, "\(states)")
    }

    @Test func speechAndNoiseSwapAfterTheEnterDwell() {
        var t = tracker()
        let states = Self.run(&t, Array(repeating: speech, count: 3) + Array(repeating: noise, count: 3) + Array(repeating: speech, count: 3))
        #expect(states == [nil, nil, .speech, .speech, .speech, .noise, .noise, .noise, .speech])
    }

    /// Leaving music counts any other kind's lead: speech and noise taking turns still leave it, to
    /// whichever leads at the end.
    @Test func speechAndNoiseTakingTurnsStillLeaveMusic() {
        var t = tracker()
        _ = Self.run(&t, Array(repeating: music, count: 3))
        let states = Self.run(&t, [speech, noise, speech, noise, speech], start: 4.5)
        #expect(states == [.music, .music, .music, .music, .speech])
    }

    @Test func musicLeadingAgainRestartsTheLeaveCount() {
        var t = tracker()
        _ = Self.run(&t, Array(repeating: music, count: 3))
        let states = Self.run(&t, [speech, speech, speech, music, speech, speech, speech, speech, speech], start: 4.5)
        #expect(states == [.music, .music, .music, .music, .music, .music, .music, .music, .speech])
    }

    /// With the default smoothing the probabilities cross first: speech after music leads on the
    /// smoothed distribution from its second window (tau 3 s, hop 1.5 s), then needs 6 s more.
    @Test func smoothingDelaysTheLead() {
        var t = tracker(tau: 3)
        _ = Self.run(&t, Array(repeating: music, count: 6))
        let states = Self.run(&t, Array(repeating: speech, count: 7), start: 9)
        #expect(states == [.music, .music, .music, .music, .music, .speech, .speech])
        let p = t.probabilities!
        #expect(ContentKind.argmax(p) == .speech && abs(p.reduce(0, +) - 1) < 1e-5)
    }

    @Test func aTieKeepsTheCurrentKind() {
        var t = tracker()
        _ = Self.run(&t, Array(repeating: speech, count: 3))
        let states = Self.run(&t, Array(repeating: [0.45, 0.45, 0.1], count: 5), start: 4.5)
        #expect(states.allSatisfy { $0 == .speech })
    }

    @Test func resetForgetsEverything() {
        var t = tracker(tau: 3)
        _ = Self.run(&t, Array(repeating: music, count: 3))
        t.reset()
        #expect(t.state == nil && t.probabilities == nil)
        let states = Self.run(&t, Array(repeating: speech, count: 3), start: 100)
        #expect(states == [nil, nil, .speech])
    }

    @Test func zeroDwellsSwitchAtOnce() {
        var t = tracker(enter: 0, leave: 0)
        #expect(Self.run(&t, [music, speech, noise, music]) == [.music, .speech, .noise, .music])
    }

    @Test func argmaxPrefersTheEarlierKindOnTiesAndSkipsNonFinite() {
        #expect(ContentKind.argmax([0.4, 0.4, 0.2]) == .music)
        #expect(ContentKind.argmax([.nan, 0.1, 0.2]) == .noise)
        #expect(ContentKind.labels == ["music", "speech", "noise"])
    }
}
