import Foundation
import MoodCore
import MoodModel
import MoodTestKit
import Testing

/// `moodd embed` and `moodd tags`, run as a user runs them. The engine's numbers are tested against
/// TensorFlow's in MoodModelTests; here: that the commands cut the `moodd features` frames into the
/// documented patches and feed them to that engine, and fail in one line.
@Suite struct EmbedAndTagsCommandTests {
    static let model = Fixtures.directory + "../../models/msd_musicnn.safetensors"

    static func npy(_ path: String) throws -> NPY.Array {
        try NPY.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// 5.0 s of music-like audio at 44.1 kHz: 313 frames -> patches at frames 0, 93 (hop 93).
    @Test(arguments: [93, 40, 187])
    func embedsThePatchesOfTheFeatures(hop: Int) throws {
        let dir = try TemporaryDirectory()
        let audio = try Self.longClip(in: dir)
        let features = try Command.run("moodd", ["features", audio, "--npy", dir.path + "/f.npy"])
        let embed = try Command.run("moodd", ["embed", audio, "--npy", dir.path + "/e.npy", "--hop-frames", "\(hop)"])
        #expect(features.status == 0 && embed.status == 0, "\(features.stderr) \(embed.stderr)")
        let frames = try Self.npy(dir.path + "/f.npy"), embeddings = try Self.npy(dir.path + "/e.npy")
        let count = 1 + (frames.shape[0] - 187) / hop
        #expect(embeddings.shape == [count, 200])

        let network = try Musicnn(contentsOfFile: Self.model)
        let state = network.makeState()
        for k in 0..<count {
            let patch = Array(frames.values[k * hop * 96..<(k * hop + 187) * 96])
            let expected = network.forward(patch: patch, state: state).penultimate
            #expect(Array(embeddings.values[k * 200..<(k + 1) * 200]) == expected, "patch \(k)")
        }
    }

    /// `--layer pooled` writes what the back end pools ([max | mean] of the 753 mid-end channels),
    /// `--layer tags` the tag probabilities, for the same patches as the default layer.
    @Test func writesThePooledAndTagLayers() throws {
        let dir = try TemporaryDirectory()
        let audio = try Self.longClip(in: dir)
        #expect(try Command.run("moodd", ["features", audio, "--npy", dir.path + "/f.npy"]).status == 0)
        for layer in ["pooled", "tags"] {
            let run = try Command.run("moodd", ["embed", audio, "--npy", dir.path + "/\(layer).npy", "--layer", layer])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let frames = try Self.npy(dir.path + "/f.npy")
        let pooled = try Self.npy(dir.path + "/pooled.npy"), tags = try Self.npy(dir.path + "/tags.npy")
        #expect(pooled.shape == [2, 1506] && tags.shape == [2, 50])
        let network = try Musicnn(contentsOfFile: Self.model)
        let state = network.makeState()
        for k in 0..<2 {
            let patch = Array(frames.values[k * 93 * 96..<(k * 93 + 187) * 96])
            let expected = network.forward(patch: patch, state: state).tags
            #expect(Array(tags.values[k * 50..<(k + 1) * 50]) == expected, "patch \(k)")
            #expect(Array(pooled.values[k * 1506..<(k + 1) * 1506]) == state.pooledFeatures, "patch \(k)")
            // The pooled row is what the time axis gives: max then mean of each mid-end channel.
            let mid = state.midFeatures, channels = 753
            for c in [0, 400, 752] {
                let column = (0..<187).map { mid[$0 * channels + c] }
                #expect(pooled.values[k * 1506 + c] == column.max()!)
                let mean = column.reduce(0, +) / 187
                #expect(abs(pooled.values[k * 1506 + channels + c] - mean) <= 1e-5 * max(1, abs(mean)))
            }
        }
    }

    /// `--layer front` writes each patch's front-end output, frame by frame, as the engine computed it
    /// for that patch (the engine's front end is tested against TensorFlow in MoodModelTests).
    @Test func writesTheFrontEnd() throws {
        let dir = try TemporaryDirectory()
        let audio = try Self.longClip(in: dir)
        #expect(try Command.run("moodd", ["features", audio, "--npy", dir.path + "/f.npy"]).status == 0)
        let run = try Command.run("moodd", ["embed", audio, "--npy", dir.path + "/front.npy", "--layer", "front"])
        #expect(run.status == 0, "\(run.stderr)")
        let frames = try Self.npy(dir.path + "/f.npy"), front = try Self.npy(dir.path + "/front.npy")
        let width = 187 * 561
        #expect(front.shape == [2, width])
        let network = try Musicnn(contentsOfFile: Self.model)
        let state = network.makeState()
        for k in 0..<2 {
            let patch = Array(frames.values[k * 93 * 96..<(k * 93 + 187) * 96])
            _ = network.forward(patch: patch, state: state)
            #expect(Array(front.values[k * width..<(k + 1) * width]) == state.front, "patch \(k)")
            // the first 561 columns of the mid-end features are the front end
            #expect(Array(front.values[k * width..<k * width + 561]) == Array(state.midFeatures[0..<561]))
        }
        #expect(front.values[0..<width] != front.values[width..<2 * width])
    }

    @Test func aClipShorterThanOnePatchGivesOnePaddedPatch() throws {
        let dir = try TemporaryDirectory()
        let audio = Fixtures.path("audio/music_44100_stereo_s16.flac")  // 2 s: 126 frames
        #expect(try Command.run("moodd", ["features", audio, "--npy", dir.path + "/f.npy"]).status == 0)
        #expect(try Command.run("moodd", ["embed", audio, "--npy", dir.path + "/e.npy"]).status == 0)
        let frames = try Self.npy(dir.path + "/f.npy")
        #expect(frames.shape[0] < 187)
        let padded = frames.values + [Float](repeating: 0, count: (187 - frames.shape[0]) * 96)
        let network = try Musicnn(contentsOfFile: Self.model)
        let expected = network.forward(patch: padded, state: network.makeState()).penultimate
        #expect(try Self.npy(dir.path + "/e.npy") == NPY.Array(shape: [1, 200], values: expected))
    }

    @Test func tagsPrintsTheMeanOverWindowsAsJSON() throws {
        let dir = try TemporaryDirectory()
        let audio = try Self.longClip(in: dir)
        let result = try Command.run("moodd", ["tags", audio, "--json", "--top", "50"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONValue.parse(result.stdout)
        #expect(json["windows"]?.doubleValue == 2)
        guard case .object(let tags)? = json["tags"] else { Issue.record("no tags object"); return }
        #expect(tags.count == 50)
        let values = tags.compactMap(\.value.doubleValue)
        #expect(values == values.sorted(by: >))
        #expect(values.allSatisfy { (0...1).contains($0) })

        let text = try Command.run("moodd", ["tags", audio, "--top", "3"])
        #expect(text.stdout.split(separator: "\n").count == 4)
        #expect(text.stdout.contains(tags[0].key))
    }

    /// Like `classify`: many files and directories (searched recursively, sorted by path); a file
    /// that cannot be read is one line on stderr, the others are still tagged, and the exit status is 1.
    @Test func tagsTakesFilesAndDirectoriesAndGoesOnPastABadFile() throws {
        let dir = try TemporaryDirectory()
        let audio = try Self.longClip(in: dir)
        try FileManager.default.createDirectory(atPath: dir.path + "/album/disc 2", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: audio, toPath: dir.path + "/album/b.wav")
        try FileManager.default.copyItem(atPath: audio, toPath: dir.path + "/album/disc 2/a.wav")
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: dir.path + "/album/notes.txt"))
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: dir.path + "/bad.wav"))
        let result = try Command.run("moodd", ["tags", dir.path + "/bad.wav", dir.path + "/album", "--json", "--top", "3"])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let files = try lines.map { try JSONValue.parse($0)["file"]?.stringValue }
        #expect(files == [dir.path + "/album/b.wav", dir.path + "/album/disc 2/a.wav"])
        let errors = result.stderr.split(separator: "\n")
        #expect(errors.count == 1 && errors[0].hasPrefix("moodd: \(dir.path)/bad.wav: "), "\(result.stderr)")
    }

    @Test(arguments: [
        (["embed", "<audio>", "--npy", "<out>", "--model", "/nonexistent/model.safetensors"], "moodd: /nonexistent/model.safetensors: "),
        (["tags", "<audio>", "--model", "<bad-model>"], "moodd: <bad-model>: "),
        (["tags", "<bad-audio>"], "moodd: <bad-audio>: not a recognised audio file"),
        (["embed", "<audio>", "--npy", "<out>", "--hop-frames", "0"], "Error: --hop-frames must be at least 1"),
        (["embed", "<audio>", "--npy", "<out>", "--layer", "conv1"], "Error: The value 'conv1' is invalid for '--layer <layer>'"),
    ])
    func failsInOneLine(arguments: [String], prefix: String) throws {
        let dir = try TemporaryDirectory()
        let bad = dir.path + "/bad.safetensors"
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: bad))
        let substitutions = ["<audio>": Fixtures.path("audio/sine440_16000_mono_s16.wav"), "<out>": dir.path + "/e.npy",
                             "<bad-model>": bad, "<bad-audio>": Fixtures.path("audio/bad_text.wav")]
        let args = arguments.map { substitutions[$0] ?? $0 }
        let expected = substitutions.reduce(prefix) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
        let result = try Command.run("moodd", args)
        #expect(result.status != 0)
        #expect(!result.crashed)
        #expect(result.stderr.hasPrefix(expected), "\(result.stderr)")
        // Our errors are one line; ArgumentParser's usage errors add the usage and a --help hint (and
        // the option's help for a value it does not know).
        let lines = result.stderr.split(separator: "\n").count
        #expect(prefix.hasPrefix("Error:") ? (3...4).contains(lines) : lines == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/e.npy"))
    }

    /// A 5-s WAV made of the 2-s music fixture's decoded samples, repeated (16 kHz mono float).
    static func longClip(in dir: TemporaryDirectory) throws -> String {
        let samples = try Fixtures.npy("audio/music_44100_stereo_s16.16k.npy").values
        var long: [Float] = []
        while long.count < 80_000 { long += samples }
        let path = dir.path + "/long.wav"
        try WAVWriter.write(Array(long.prefix(80_000)), sampleRate: 16_000, to: path)
        return path
    }
}
