import MoodCore
import Testing

@Suite struct MoodLabelsTests {
    static let distributions: [[Float]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0.25, 0.25, 0.25, 0.25], [0.1, 0.2, 0.3, 0.4], [0.7, 0.05, 0.05, 0.2]]

    @Test(arguments: distributions)
    func quadrantFormula(p: [Float]) throws {
        let (v, a) = try #require(MoodLabels.quadrants.plane(p))
        #expect(abs(v - (p[0] + p[3] - p[1] - p[2])) < 1e-6)
        #expect(abs(a - (p[0] + p[1] - p[2] - p[3])) < 1e-6)
    }

    @Test func quadrantNamesMapByNameInAnyOrder() throws {
        let labels = try MoodLabels(["sad", "relaxed", "happy", "angry"])
        let plane = try #require(labels.plane([0, 0, 0, 1]))  // all angry
        #expect(plane.valence == -1 && plane.arousal == 1)
    }

    @Test func declaredAxesWin() throws {
        let labels = try MoodLabels(["calm", "tense", "neutral"], axes: [
            .init(valence: 0.5, arousal: -1), .init(valence: -0.5, arousal: 1), .init(valence: 0, arousal: 0),
        ])
        let plane = try #require(labels.plane([0.5, 0.25, 0.25]))
        #expect(plane.valence == 0.125 && plane.arousal == -0.25)
    }

    @Test func otherLabelsHaveNoPlane() throws {
        #expect(try MoodLabels(["happy", "sad"]).plane([0.5, 0.5]) == nil)
        #expect(try MoodLabels(["happy", "angry", "sad", "calm"]).axes == nil)
    }

    @Test(arguments: [
        ([String](), nil as [MoodLabels.Axes]?),
        (["a", "a"], nil),
        (["silence", "b"], nil),
        (["listening"], nil),
        (["a\nb"], nil),
        ([""], nil),
        (["a", "b"], [.init(valence: 0, arousal: 0)]),
        (["a"], [.init(valence: 1.5, arousal: 0)]),
        (["a"], [.init(valence: .nan, arousal: 0)]),
    ])
    func rejectsBadLabelSets(names: [String], axes: [MoodLabels.Axes]?) {
        #expect(throws: MoodLabels.InvalidLabels.self) { try MoodLabels(names, axes: axes) }
    }

    @Test(arguments: [MoodState.listening, .silence, .label("happy")])
    func statesRoundTripThroughTheirNames(state: MoodState) {
        #expect(MoodState(name: state.name) == state)
    }
}
