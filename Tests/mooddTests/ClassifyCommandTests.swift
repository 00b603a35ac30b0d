import Foundation
import MoodCore
import MoodModel
import MoodTestKit
import Testing

/// `moodd classify`, run as a user runs it, with the shipped model's backbone and mood head (its content
/// head has tests of its own below): the file's probabilities are the mean of its windows', each window
/// is what the library's classifier says of that patch of the `moodd features` frames, and valence /
/// arousal follow the formulas.
@Suite struct ClassifyCommandTests {
    static let model = ContentModel.moodOnly

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
        #expect(json["content"] == .null, "the shipped model without a content head: no content")
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

    /// A directory means its audio files and those of its subdirectories, sorted by path, not its
    /// other files; text lines carry the same numbers; no progress bar when stderr is not a terminal.
    @Test func aDirectoryClassifiesItsAudioFilesInOrder() throws {
        let dir = try TemporaryDirectory()
        let audio = try EmbedAndTagsCommandTests.longClip(in: dir)
        try FileManager.default.copyItem(atPath: audio, toPath: dir.path + "/b.wav")
        try FileManager.default.copyItem(atPath: Fixtures.path("audio/music_44100_stereo_s16.flac"), toPath: dir.path + "/a.FLAC")
        try Data("notes".utf8).write(to: URL(fileURLWithPath: dir.path + "/README.txt"))
        try FileManager.default.createDirectory(atPath: dir.path + "/c/d", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: audio, toPath: dir.path + "/c/d/e.wav")
        let json = try Command.run("moodd", ["classify", dir.path, "--json", "--model", Self.model])
        #expect(json.status == 0 && json.stderr.isEmpty, "\(json.stderr)")
        let files = try json.stdout.split(separator: "\n").map { try Self.object($0)["file"]?.stringValue }
        #expect(files == [dir.path + "/a.FLAC", dir.path + "/b.wav", dir.path + "/c/d/e.wav", dir.path + "/long.wav"])
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

    // MARK: With a content head (the shipped backbone and mood head, a synthetic constant content head)

    /// `seconds` of digital silence, then `music` seconds of the fixture's music: 16 kHz mono WAV.
    static func silenceThenMusic(_ seconds: Double, music: Double = 9, in dir: TemporaryDirectory) throws -> String {
        let clip = try Fixtures.npy("audio/music_44100_stereo_s16.16k.npy").values
        var samples = [Float](repeating: 0, count: Int(seconds * 16_000))
        let total = Int((seconds + music) * 16_000)
        while samples.count < total { samples += clip }
        let path = dir.path + "/silence-then-music.wav"
        try WAVWriter.write(Array(samples.prefix(total)), sampleRate: 16_000, to: path)
        return path
    }

    /// Windows below the silence threshold count as silence and are not classified; the mood is the
    /// mean of the music windows only (the same windows' moods as without a content head).
    @Test func contentCountsTheWindowsAndTheMoodComesFromMusicOnly() throws {
        let dir = try TemporaryDirectory()
        let audio = try Self.silenceThenMusic(4.5, in: dir)
        try ContentModel.write(logits: ContentModel.saying(.music), to: dir.path + "/m.safetensors")
        let run = try Command.run("moodd", ["classify", audio, "--json", "--timeline", "--model", dir.path + "/m.safetensors"])
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run.stderr)")
        let json = try Self.object(run.stdout.split(separator: "\n")[0])
        let plain = try Self.object(try Command.run("moodd", ["classify", audio, "--json", "--timeline", "--model", Self.model])
            .stdout.split(separator: "\n")[0])
        let n = try #require(json["windows"]?.intValue)
        let timeline = json["timeline"]?.arrayValue ?? []
        #expect(timeline.count == n && n >= 8)
        // Windows 0 and 1 end before 4.5 s (2.99 s long, every 1.49 s): silent. The rest hear music.
        #expect(timeline.map { $0["kind"]?.stringValue } == ["silence", "silence"] + Array(repeating: "music", count: n - 2))
        #expect(timeline[0]["label"]?.stringValue == "silence" && timeline[0]["probabilities"] == .null && timeline[0]["content"] == .null)
        let content = Self.distribution(json["content"], FileMoodKinds.all)
        let expected = [Double(n - 2) / Double(n), 0, 0, 2 / Double(n)]
        #expect(zip(content, expected).allSatisfy { abs($0 - $1) <= Self.half }, "\(content)")
        let labels = ["happy", "angry", "sad", "relaxed"]
        let plainTimeline = plain["timeline"]?.arrayValue ?? []
        var mean = [Double](repeating: 0, count: 4)
        for k in 2..<n {
            let p = Self.distribution(plainTimeline[k]["probabilities"], labels)
            #expect(Self.distribution(timeline[k]["probabilities"], labels) == p)
            for i in 0..<4 { mean[i] += p[i] / Double(n - 2) }
        }
        let p = Self.distribution(json["probabilities"], labels)
        #expect(zip(mean, p).allSatisfy { abs($0 - $1) <= 2 * Self.half }, "\(p) vs \(mean)")
        #expect(json["label"]?.stringValue == labels[p.indices.max { p[$0] < p[$1] }!])
        #expect(json["valence"]?.doubleValue != nil)

        let text = try Command.run("moodd", ["classify", audio, "--model", dir.path + "/m.safetensors"]).stdout
        #expect(text.contains("  content: music \(cFormat2(content[0])), speech 0.00, noise 0.00, silence \(cFormat2(content[3]))  valence "), "\(text)")
    }

    /// A content head with context hears the windows before each one, but never those of another
    /// file: the same file classified twice in one run gives the same windows both times.
    @Test func aHeadWithContextStartsAfreshAtEachFile() throws {
        let dir = try TemporaryDirectory()
        let audio = try EmbedAndTagsCommandTests.longClip(in: dir)
        try FileManager.default.copyItem(atPath: audio, toPath: dir.path + "/again.wav")
        try ContentModel.writeWithContext(to: dir.path + "/m.safetensors")
        let run = try Command.run("moodd", ["classify", audio, dir.path + "/again.wav", "--json", "--timeline",
                                            "--model", dir.path + "/m.safetensors"])
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run.stderr)")
        let files = try run.stdout.split(separator: "\n").map(Self.object)
        try #require(files.count == 2)
        let content = files.map { ($0["timeline"]?.arrayValue ?? []).map { Self.distribution($0["content"], ContentKind.labels) } }
        #expect(content[0].count == 2 && content[0] == content[1])
        #expect(content[0][0] != content[0][1], "the second window's context holds the first")
    }

    /// All speech: the label is `speech`, its confidence the fraction of speech windows, no mood at all.
    @Test func aFileOfSpeechClaimsNoMood() throws {
        let dir = try TemporaryDirectory()
        let audio = try EmbedAndTagsCommandTests.longClip(in: dir)
        try ContentModel.write(logits: ContentModel.saying(.speech), to: dir.path + "/s.safetensors")
        let run = try Command.run("moodd", ["classify", audio, "--json", "--timeline", "--model", dir.path + "/s.safetensors"])
        let json = try Self.object(run.stdout.split(separator: "\n")[0])
        #expect(json["label"]?.stringValue == "speech" && json["confidence"]?.doubleValue == 1)
        #expect(json["probabilities"] == .null && json["valence"] == .null && json["arousal"] == .null)
        #expect(Self.distribution(json["content"], FileMoodKinds.all) == [0, 1, 0, 0])
        let row = try #require(json["timeline"]?.arrayValue?.first)
        #expect(row["label"]?.stringValue == "speech" && row["kind"]?.stringValue == "speech" && row["valence"] == .null)
        #expect(row["probabilities"] != .null, "the mood head's output is still shown per window")
        #expect(abs((row["content"]?["speech"]?.doubleValue ?? 0) - 0.9647) <= Self.half)  // softmax(4, 0, 0)
        let text = try Command.run("moodd", ["classify", audio, "--model", dir.path + "/s.safetensors"]).stdout
        #expect(text == "\(audio): speech 1.00  (content: speech 1.00, music 0.00, noise 0.00, silence 0.00)  2 windows\n")
    }

    /// Less than half music: the dominant other kind is the label, but the music windows' mood is kept.
    @Test func aFileMostlySilentIsLabelledSilenceWithTheMoodOfItsMusic() throws {
        let dir = try TemporaryDirectory()
        let audio = try Self.silenceThenMusic(9, music: 4, in: dir)
        try ContentModel.write(logits: ContentModel.saying(.music), to: dir.path + "/m.safetensors")
        let json = try Self.object(try Command.run("moodd", ["classify", audio, "--json", "--model", dir.path + "/m.safetensors"])
            .stdout.split(separator: "\n")[0])
        let content = Self.distribution(json["content"], FileMoodKinds.all)
        #expect(content[3] > 0.5 && content[0] > 0 && content[1] == 0)
        #expect(json["label"]?.stringValue == "silence" && json["confidence"]?.doubleValue == content[3])
        #expect(json["probabilities"] != .null && json["valence"] != .null)
    }

    @Test func refusesAContentHeadWithOtherLabels() throws {
        let dir = try TemporaryDirectory()
        try ContentModel.write(logits: [1, 0, 0], labels: ["music", "talk", "noise"], to: dir.path + "/bad.safetensors")
        let run = try Command.run("moodd", ["classify", Fixtures.path("audio/sine440_16000_mono_s16.wav"), "--model", dir.path + "/bad.safetensors"])
        #expect(run.status != 0 && !run.crashed && run.stdout.isEmpty)
        #expect(run.stderr == "moodd: \(dir.path)/bad.safetensors: head 'content': labels must be exactly [\"music\", \"speech\", \"noise\"] (in this order), got [\"music\", \"talk\", \"noise\"]\n", "\(run.stderr)")
    }
}

/// The keys of `classify`'s `content` object, in order.
enum FileMoodKinds {
    static let all = ["music", "speech", "noise", "silence"]
}

/// `%.2f`, as the text output prints fractions.
func cFormat2(_ x: Double) -> String { String(format: "%.2f", x) }
