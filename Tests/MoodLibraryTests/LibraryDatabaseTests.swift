import MoodCore
import MoodLibrary
import MoodTestKit
import Testing

@Suite struct LibraryDatabaseTests {
    static func track(_ path: String, label: String?, valence: Double? = nil, arousal: Double? = nil, music: Double? = 1,
                      duration: Double = 180, error: String? = nil, model: String = "moodd-4q") -> Track {
        var t = Track(path: path, fingerprint: .init(size: 1000, mtimeNanoseconds: 42, model: model),
                      scannedAt: Timestamp(millisecondsSinceEpoch: 1_795_255_200_000))
        t.label = label
        t.valence = valence
        t.arousal = arousal
        t.music = music
        t.duration = error == nil ? duration : nil
        t.confidence = label == nil ? nil : 0.6
        t.error = error
        return t
    }

    @Test func recordsFingerprintsAndReplacesARescannedFile() throws {
        let directory = try TemporaryDirectory()
        let db = try LibraryDatabase(path: directory.path + "/library.db")
        try db.record(Self.track("/m/a.flac", label: "happy", valence: 0.5, arousal: 0.5))
        var b = Self.track("/m/b.flac", label: nil, error: "/m/b.flac: not a recognised audio file")
        try db.record(b)
        b = Self.track("/m/b.flac", label: "sad", valence: -0.4, arousal: -0.6)
        b.fingerprint.size = 2000
        try db.record(b)
        let prints = try db.fingerprints()
        #expect(prints.count == 2)
        #expect(prints["/m/b.flac"] == .init(size: 2000, mtimeNanoseconds: 42, model: "moodd-4q"))
        let stats = try db.stats()
        #expect(stats.tracks == 2 && stats.failed == 0)
        #expect(abs(stats.hours - 0.1) < 1e-9)
        #expect(stats.byLabel.map(\.label) == ["happy", "sad"])
    }

    @Test func nearestIsByDistanceInThePlaneAndSkipsWhatIsNotMusic() throws {
        let directory = try TemporaryDirectory()
        let db = try LibraryDatabase(path: directory.path + "/library.db")
        try db.record(Self.track("/m/far.flac", label: "angry", valence: -0.8, arousal: 0.8))
        try db.record(Self.track("/m/near.flac", label: "relaxed", valence: 0.5, arousal: -0.4))
        try db.record(Self.track("/m/nearer.flac", label: "relaxed", valence: 0.6, arousal: -0.5))
        try db.record(Self.track("/m/talk.flac", label: "speech", valence: 0.6, arousal: -0.5, music: 0.2))
        try db.record(Self.track("/m/bad.flac", label: nil, error: "/m/bad.flac: cut"))
        let hits = try db.nearest(valence: 0.6, arousal: -0.5, limit: 10)
        #expect(hits.map(\.path) == ["/m/nearer.flac", "/m/near.flac", "/m/far.flac"])
        #expect(hits[0].distance == 0)
        #expect(try db.nearest(valence: 0.6, arousal: -0.5, label: "angry", limit: 10).map(\.path) == ["/m/far.flac"])
        #expect(try db.withLabel("relaxed", limit: 1).count == 1)
    }

    @Test func aFileThatIsNotALibraryIsOneLine() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/notes.txt"
        try "just some text, long enough to be read as a database header".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try LibraryDatabase(path: path)
            Issue.record("opened")
        } catch {
            #expect(error.description.hasPrefix(path + ": "))
            #expect(!error.description.contains("\n"))
        }
    }
}
