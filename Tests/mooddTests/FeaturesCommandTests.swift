import Foundation
import MoodCore
import MoodTestKit
import Testing

/// `moodd features`, run as a user runs it, against librosa's log-mel of librosa's decoding
/// (Tests/Fixtures/make_feature_fixtures.py), and on every kind of bad input.
@Suite struct FeaturesCommandTests {
    /// Every end-to-end reference: 8 to 96 kHz, 1 to 3 channels, s16/s24/s32/f32 WAV, FLAC, Vorbis,
    /// Opus and MP3; sines, noise, chirps, silence, full-scale squares and a music-like clip.
    static let references: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.path("features"))) ?? []
        return names.filter { $0.hasSuffix(".npy") }.map { String($0.dropLast(4)) }.sorted()
    }()

    static func audioPath(_ name: String) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.path("audio"))
        let file = try #require(names.first { $0.hasPrefix(name + ".") && !$0.hasSuffix(".npy") })
        return Fixtures.path("audio/" + file)
    }

    @Test func thereAreReferences() { #expect(Self.references.count >= 20) }

    /// Every frame, edges included, within 5e-5 of librosa (worst measured: 1.3e-5, on a full-scale
    /// square at 48 kHz; the acceptance bar is 1e-3).
    @Test(arguments: references)
    func matchesLibrosa(name: String) throws {
        let directory = try TemporaryDirectory()
        let output = directory.path + "/\(name).npy"
        let result = try Command.run("moodd", ["features", try Self.audioPath(name), "--npy", output])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let ours = try NPY.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: output))))
        let reference = try Fixtures.npy("features/\(name).npy")
        #expect(ours.shape == reference.shape)
        let worst = zip(ours.values, reference.values).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 5e-5)
    }

    /// Bad input: exactly one line on stderr naming the file and the reason, exit status 1, no crash,
    /// and nothing written, not even a temporary file.
    @Test(arguments: [
        ("bad_empty.wav", "empty file"),
        ("bad_text.wav", "not a recognised audio file"),
        ("bad_random.mp3", "not a recognised audio file"),
        ("bad_header_cut_wav.wav", "malformed audio file"),
        ("bad_header_cut_mp3.mp3", "not a recognised audio file"),
        ("bad_header_cut_flac.flac", "malformed audio file"),
        ("bad_header_cut_ogg.ogg", "malformed audio file"),
        ("bad_data_cut_wav.wav", "truncated"),
        ("bad_data_cut_mp3.mp3", "truncated"),
        ("bad_data_cut_flac.flac", "decoding failed"),
        ("bad_data_cut_ogg.ogg", "contains no audio frames"),
        ("bad_data_cut_opus.opus", "malformed audio file"),
        ("bad_zero_channels.wav", "malformed audio file"),
        ("bad_zero_rate.wav", "malformed audio file"),
        ("bad_huge_channels.wav", "malformed audio file"),
        ("bad_zero_frames.wav", "contains no audio frames"),
        ("does_not_exist.wav", "no such file"),
        ("", "is a directory"),
    ])
    func refusesBadInputInOneLine(name: String, reason: String) throws {
        let directory = try TemporaryDirectory()
        let input = Fixtures.path("audio/" + name)
        let result = try Command.run("moodd", ["features", input, "--npy", directory.path + "/out.npy"])
        #expect(result.status == 1)
        #expect(!result.crashed)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty, "not one line: \(result.stderr)")
        #expect(result.stderr.hasPrefix("moodd: \(input): \(reason)"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func refusesAnOutputDirectoryThatDoesNotExist() throws {
        let result = try Command.run("moodd", ["features", Fixtures.path("audio/sine440_16000_mono_s16.wav"),
                                               "--npy", "/nonexistent-moodd-dir/out.npy"])
        #expect(result.status == 1)
        #expect(result.stderr == "moodd: /nonexistent-moodd-dir/out.npy: directory /nonexistent-moodd-dir does not exist\n")
    }

    @Test func leavesAnExistingOutputAloneWhenTheInputIsBad() throws {
        let directory = try TemporaryDirectory()
        let output = directory.path + "/out.npy"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: output))
        let result = try Command.run("moodd", ["features", Fixtures.path("audio/bad_text.wav"), "--npy", output])
        #expect(result.status == 1)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "keep me")
    }

    @Test func printsItsVersionAndHelp() throws {
        let version = try Command.run("moodd", ["--version"])
        #expect(version.status == 0)
        #expect(version.stdout == MooddVersion.string + "\n")
        let help = try Command.run("moodd", ["features", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--npy"))
    }

    @Test func missingArgumentsAreAUsageErrorNotACrash() throws {
        let result = try Command.run("moodd", ["features"])
        #expect(result.status == 64)  // EX_USAGE, ArgumentParser's validation exit code
        #expect(!result.crashed)
        #expect(result.stderr.contains("Missing expected argument"))
    }
}
