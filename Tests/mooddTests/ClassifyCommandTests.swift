import Foundation
import MoodCore
import MoodModel
import MoodTestKit
import Testing

/// `moodd classify`, run as a user runs it, with the shipped model: the file's probabilities are the
/// mean of its windows', each window is what the library's classifier says of that patch of the
/// `moodd features` frames, and valence / arousal follow the formulas.
@Suite struct ClassifyCommandTests {
    static let model = Fixtures.directory + "../../models/moodd-4q.safetensors"

    static func object(_ line: Substring) throws -> JSONValue { try JSONValue.parse(String(line)) }

    static func distribution(_ value: JSONValue?, _ labels: [String]) -> [Double] {
        labels.map { value?[$0]?.doubleValue ?? .nan }
    }

    /// Numbers are printed with 4 decimals: each is within half a unit of the last place.
    static let half = 0.5e-4 + 1e-9

    @Test func aFileIsTheMeanOfItsWindows() throws {
        let dir = try TemporaryDirectory()
        let audio = try EmbedAndTagsCommandTests.longClip(in: dir)  // 5 s: 313 frames, windows at 0 and 93
        let run = try Command.run("moodd", ["classify", audio, "--json", "--timeline", "--model", Self.model])
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        let json = try Self.object(lines[0])
        let labels = ["happy", "angry", "sad", "relaxed"]
        #expect(json["file"]?.stringValue == audio)
        #expect(json["windows"]?.intValue == 2)
        let p = Self.distribution(json["probabilities"], labels)
        #expect(abs(p.reduce(0, +) - 1) <= 4 * Self.half)
        let best = p.indices.max { p[$0] < p[$1] }!
        #expect(json["label"]?.stringValue == labels[best])
        #expect(abs((json["confidence"]?.doubleValue ?? -1) - p[best]) < 1e-9)
        #expect(abs((json["valence"]?.doubleValue ?? 9) - (p[0] + p[3] - p[1] - p[2])) <= 5 * Self.half)
        #expect(abs((json["arousal"]?.doubleValue ?? 9) - (p[0] + p[1] - p[2] - p[3])) <= 5 * Self.half)

        // Every window: its start, and the library's classifier on that patch of the frames.
        let timeline = json["timeline"]?.arrayValue ?? []
        #expect(timeline.count == 2)
        #expect(timeline.map { $0["start"]?.doubleValue } == [0, 93 * 256 / 16_000.0])
        #expect(try Command.run("moodd", ["features", audio, "--npy", dir.path + "/f.npy"]).status == 0)
        let frames = try NPY.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir.path + "/f.npy"))))
        let classifier = try MoodClassifier(contentsOfFile: Self.model)
        var mean = [Double](repeating: 0, count: 4)
        for (k, window) in timeline.enumerated() {
            let patch = Array(frames.values[k * 93 * 96..<(k * 93 + 187) * 96])
            let expected = try patch.withUnsafeBufferPointer { try classifier.classify(frames: $0) }.mood
            let got = Self.distribution(window["probabilities"], labels)
            #expect(zip(got, expected).allSatisfy { abs($0 - Double($1)) <= Self.half }, "window \(k): \(got) vs \(expected)")
            #expect(window["label"]?.stringValue == labels[expected.indices.max { expected[$0] < expected[$1] }!])
            for i in 0..<4 { mean[i] += got[i] / 2 }
        }
        #expect(zip(mean, p).allSatisfy { abs($0 - $1) <= 2 * Self.half })
    }

    /// A directory means its audio files, sorted, not its other files; text lines carry the same
    /// numbers; no progress bar when stderr is not a terminal.
    @Test func aDirectoryClassifiesItsAudioFilesInOrder() throws {
        let dir = try TemporaryDirectory()
        let audio = try EmbedAndTagsCommandTests.longClip(in: dir)
        try FileManager.default.copyItem(atPath: audio, toPath: dir.path + "/b.wav")
        try FileManager.default.copyItem(atPath: Fixtures.path("audio/music_44100_stereo_s16.flac"), toPath: dir.path + "/a.FLAC")
        try Data("notes".utf8).write(to: URL(fileURLWithPath: dir.path + "/README.txt"))
        let json = try Command.run("moodd", ["classify", dir.path, "--json", "--model", Self.model])
        #expect(json.status == 0 && json.stderr.isEmpty, "\(json.stderr)")
        let files = try json.stdout.split(separator: "\n").map { try Self.object($0)["file"]?.stringValue }
        #expect(files == [dir.path + "/a.FLAC", dir.path + "/b.wav", dir.path + "/long.wav"])
        let first = try Self.object(json.stdout.split(separator: "\n")[0])
        #expect(first["windows"]?.intValue == 1)  // 2 s: shorter than one window, padded

        let text = try Command.run("moodd", ["classify", dir.path + "/long.wav", "--model", Self.model])
        let line = text.stdout.trimmingCharacters(in: .newlines)
        #expect(line.hasPrefix(dir.path + "/long.wav: "), "\(line)")
        #expect(line.contains("valence ") && line.contains("arousal ") && line.hasSuffix("2 windows"), "\(line)")
    }

    /// A file it cannot read gets one line naming it; the others are still classified; exit 1.
    @Test func aBadFileIsOneLineAndTheRestGoOn() throws {
        let dir = try TemporaryDirectory()
        let audio = try EmbedAndTagsCommandTests.longClip(in: dir)
        let bad = Fixtures.path("audio/bad_text.wav")
        let run = try Command.run("moodd", ["classify", bad, audio, "--json", "--model", Self.model])
        #expect(run.status == 1 && !run.crashed)
        #expect(run.stderr.hasPrefix("moodd: \(bad): not a recognised audio file"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(try run.stdout.split(separator: "\n").map { try Self.object($0)["file"]?.stringValue } == [audio])
    }

    @Test(arguments: [
        (["--head", "gender"], "no head 'gender'; the model has mood"),
        (["--model", "<backbone>"], "the model has no heads"),
    ])
    func refusesAModelItCannotUseInOneLine(arguments: [String], reason: String) throws {
        let backbone = Fixtures.directory + "../../models/msd_musicnn.safetensors"
        let args = ["classify", Fixtures.path("audio/sine440_16000_mono_s16.wav")]
            + (arguments.first == "--model" ? ["--model", backbone] : ["--model", Self.model] + arguments)
        let run = try Command.run("moodd", args)
        #expect(run.status != 0 && !run.crashed)
        #expect(run.stderr.hasPrefix("moodd: ") && run.stderr.contains(reason), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(run.stdout.isEmpty)
    }
}
