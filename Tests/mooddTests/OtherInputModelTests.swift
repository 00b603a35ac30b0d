#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodCore
import MoodModel
import MoodTestKit
import Testing

/// The model file decides the front end, the patch and the sample rate: the shipped backbone and mood
/// head with other `input` settings (an FFT of 1024, a hop of 512, patches of 64 frames; musicnn's convs
/// slide over time, so the weights run on any patch length), at 16 kHz and at 22.05 kHz, works in
/// `moodd features`, `classify` and `run` without a code change, with the patches, hop and rate its
/// metadata gives; an input the network or the audio cannot serve is refused with one line naming the
/// file.
@Suite(.serialized, .timeLimit(.minutes(2))) struct OtherInputModelTests {
    static let otherInput = """
        {"sample_rate": 16000, "n_fft": 1024, "hop_length": 512, "n_mels": 96, "fmin": 0, "fmax": 8000, \
        "mel_scale": "slaney", "mel_norm": "slaney", "window": "hann_periodic", "power": 2, \
        "log": "log10(1+10000*x)", "patch_frames": 64}
        """
    /// The same at 22.05 kHz (Tests/Fixtures/make_rate_fixtures.py's `INPUT_22050`): files and sources
    /// are resampled to it.
    static let input22050 = otherInput.replacingOccurrences(of: "\"sample_rate\": 16000", with: "\"sample_rate\": 22050")

    /// The mood-only shipped model with `input` replaced, written to `path`.
    static func write(input: String, to path: String) throws {
        var writer = SafeTensorsWriter(copying: try SafeTensors(contentsOfFile: ContentModel.moodOnly))
        writer.metadata["input"] = input
        try Data(writer.bytes()).write(to: URL(fileURLWithPath: path))
    }

    /// `count` samples of the music fixture decoded at 16 kHz (looped), as s16le (at any rate: the
    /// daemon only counts them).
    static func pcm(_ count: Int) throws -> [UInt8] {
        let samples = try Fixtures.npy("audio/music_44100_stereo_s16.16k.npy").values
        return (0..<count).flatMap { i -> [UInt8] in
            let v = UInt16(bitPattern: Int16(max(-32768, min(32767, (samples[i % samples.count] * 32767).rounded()))))
            return [UInt8(v & 0xff), UInt8(v >> 8)]
        }
    }

    @Test func theLoadedNetworkTakesTheFilesPatchLength() throws {
        let dir = try TemporaryDirectory()
        try Self.write(input: Self.otherInput, to: dir.path + "/m.safetensors")
        let classifier = try MoodClassifier(contentsOfFile: dir.path + "/m.safetensors")
        #expect(classifier.patchFrames == 64)
        #expect(classifier.melBands == 96)
        #expect(classifier.input.hopLength == 512 && classifier.input.nFFT == 1024)
    }

    /// Windows every half patch (32 frames of 512 samples) over the file's frames at the model's rate: a
    /// 5-s clip is 1 + 80000 / 512 = 157 frames at 16 kHz (patches start at 0, 32, 64: three windows,
    /// 1.024 s apart) and 1 + 110250 / 512 = 216 at 22.05 kHz (five windows, 0.743 s apart).
    @Test(arguments: [(16000, [0, 1.024, 2.048]), (22050, [0, 0.7430, 1.4861, 2.2291, 2.9721])])
    func classifyCutsTheModelsPatchesAtItsHop(rate: Int, starts expected: [Double]) throws {
        let dir = try TemporaryDirectory()
        let model = dir.path + "/m.safetensors"
        try Self.write(input: rate == 16000 ? Self.otherInput : Self.input22050, to: model)
        let audio = try EmbedAndTagsCommandTests.longClip(in: dir)  // 5 s at 16 kHz
        let run = try Command.run("moodd", ["classify", audio, "--json", "--timeline", "--model", model])
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run.stderr)")
        let json = try JSONValue.parse(run.stdout.split(separator: "\n").first.map(String.init) ?? "")
        #expect(json["windows"]?.intValue == expected.count)
        let starts = (json["timeline"]?.arrayValue ?? []).compactMap { $0["start"]?.doubleValue }
        #expect(starts.count == expected.count)
        #expect(zip(starts, expected).allSatisfy { abs($0 - $1) < 1e-3 }, "\(starts)")
    }

    /// `moodd features` with the 22.05 kHz model: the file decoded at 22.05 kHz and its frames, against
    /// librosa.load(sr=22050) and librosa's melspectrogram with the model's settings
    /// (Tests/Fixtures/rates/*.22050.mel.npy), every frame within 5e-5 as at 16 kHz.
    @Test(arguments: ["sine440_8000_mono_s16.wav", "sine440_16000_mono_s16.wav", "sine440_22050_mono_s24.wav",
                      "chirp_48000_mono_s32.wav", "music_44100_stereo_s16.flac", "music_48000_stereo_opus.opus",
                      "music_44100_stereo_mp3.mp3"])
    func featuresAtTheModelsRateMatchLibrosa(name: String) throws {
        let dir = try TemporaryDirectory()
        let model = dir.path + "/m.safetensors"
        try Self.write(input: Self.input22050, to: model)
        let output = dir.path + "/f.npy"
        let run = try Command.run("moodd", ["features", Fixtures.path("audio/" + name), "--npy", output, "--model", model])
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run.stderr)")
        let ours = try NPY.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: output))))
        let stem = name.split(separator: ".").dropLast().joined(separator: ".")
        let reference = try Fixtures.npy("rates/\(stem).22050.mel.npy")
        #expect(ours.shape == reference.shape)
        let worst = zip(ours.values, reference.values).map { abs($0 - $1) }.max() ?? .infinity
        print("features at 22.05 kHz against librosa: \(name), \(ours.shape[0]) frames, max abs diff \(worst)")
        #expect(worst <= 5e-5, "\(name): \(worst)")
    }

    /// `moodd run` on raw PCM (`stdin:16000:1`, a FIFO) analyses as soon as it holds one patch of the
    /// model's frames, and not a frame earlier: frame k of a live, centred front end exists once
    /// sample k*hop + n_fft/2 is in, so 64 frames of 512 need 32 768 samples and musicnn's 187 frames of
    /// 256 need 47 872. Fed 512 samples short of that, the daemon says nothing for five hops; fed the
    /// rest, it analyses; then one window per hop while audio comes.
    /// At 22.05 kHz the PCM comes at the model's rate (`stdin:22050:1`) and the same count holds.
    @Test(arguments: [("other", 32_768), ("musicnn", 47_872), ("other at 22.05 kHz", 32_768)])
    func theDaemonAnalysesOncePatchOfTheModelsFramesIsIn(model name: String, needed: Int) throws {
        let dir = try TemporaryDirectory()
        var model = ContentModel.moodOnly
        if name != "musicnn" {
            model = dir.path + "/m.safetensors"
            try Self.write(input: name == "other" ? Self.otherInput : Self.input22050, to: model)
        }
        let source = name == "other at 22.05 kHz" ? "stdin:22050:1" : "stdin:16000:1"
        let fifo = dir.path + "/pcm"
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = open(fifo, O_RDWR)  // a writer exists, so the daemon's open for reading does not block
        defer { close(writer) }
        let audio = try Self.pcm(needed + 16_000)
        func feed(_ samples: Range<Int>) {
            audio[2 * samples.lowerBound..<2 * samples.upperBound].withUnsafeBytes { _ = Glibc.write(writer, $0.baseAddress, $0.count) }
        }
        let daemon = try RunningDaemon(["--source", source, "--model", model, "--hop", "0.2"], stdinPath: fifo)
        func moods() -> Int { daemon.log.components(separatedBy: "{\"event\":\"mood\"").count - 1 }
        feed(0..<needed - 512)
        usleep(1_000_000)
        #expect(moods() == 0, "\(name): a window before a whole patch")
        feed(needed - 512..<needed)
        #expect(waitUntil(timeout: 5) { moods() == 1 }, "\(name): no window once the patch is in: \(daemon.stderr)")
        for k in 0..<4 {
            feed(needed + k * 4000..<needed + (k + 1) * 4000)
            #expect(waitUntil(timeout: 5) { moods() == 2 + k }, "\(name): \(moods()) windows after \(k + 1) more blocks")
        }
        #expect(daemon.stop() == 0)
        #expect(!daemon.stderr.contains("error"), "\(daemon.stderr)")
    }

    /// `moodd run` on an unpaced 44.1 kHz file with the 22.05 kHz model: resampled to 22.05 kHz
    /// (132,300 samples), a window every 0.2 s of them (4,410) from the first whole patch (32,768
    /// samples: the 8th hop) to the 30th: 23 windows, all of them, whenever the file's `ended` comes
    /// (capture has the whole file in the ring long before the analysis is through it).
    @Test func theDaemonResamplesAFileToTheModelsRateAndAnalysesEveryWindow() throws {
        let dir = try TemporaryDirectory()
        let model = dir.path + "/m.safetensors"
        try Self.write(input: Self.input22050, to: model)
        let music = try Fixtures.npy("rates/music_44100_stereo_s16.22050.npy").values
        let wav = dir.path + "/six.wav"
        try WAVWriter.write((0..<264_600).map { music[($0 / 2) % music.count] }, sampleRate: 44100, to: wav)
        let daemon = try RunningDaemon(["--source", "file+unpaced:" + wav, "--model", model, "--hop", "0.2"])
        func moods() -> Int { daemon.log.components(separatedBy: "{\"event\":\"mood\"").count - 1 }
        #expect(waitUntil(timeout: 20) { daemon.log.contains("\"state\":\"ended\"") && moods() >= 23 },
                "\(moods()) windows: \(daemon.stderr)")
        usleep(300_000)
        #expect(moods() == 23)
        #expect(daemon.stop() == 0)
        #expect(!daemon.stderr.contains("error"), "\(daemon.stderr)")
    }

    static let refused: [(name: String, edit: @Sendable (String) -> String, reason: String)] = [
        ("64 bands", { $0.replacingOccurrences(of: "\"n_mels\": 96", with: "\"n_mels\": 64") },
         "input n_mels is 64; musicnn version 1 needs 96"),
        ("384 kHz", { $0.replacingOccurrences(of: "\"sample_rate\": 16000", with: "\"sample_rate\": 384000") },
         "input sample_rate is 384000 Hz; moodd decodes and captures audio at 8000...192000 Hz"),
        ("a hop longer than the FFT", { $0.replacingOccurrences(of: "\"hop_length\": 512", with: "\"hop_length\": 2048") },
         "input is not what the front end computes: hop must be between 1 and the FFT size 1024 samples, got 2048"),
    ]

    /// `moodd classify` and `moodd run` both refuse the file: exit 1, one line naming it and the reason.
    @Test(arguments: refused.indices)
    func anInputTheNetworkOrTheAudioCannotServeIsOneLine(index: Int) throws {
        let (name, edit, reason) = Self.refused[index]
        let dir = try TemporaryDirectory()
        let model = dir.path + "/bad.safetensors"
        try Self.write(input: edit(Self.otherInput), to: model)
        let audio = try EmbedAndTagsCommandTests.longClip(in: dir)
        let classify = try Command.run("moodd", ["classify", audio, "--model", model])
        #expect(classify.status == 1, "\(name)")
        #expect(classify.stderr.split(separator: "\n").count == 1, "\(name): \(classify.stderr)")
        #expect(classify.stderr.contains(model + ": ") && classify.stderr.contains(reason), "\(name): \(classify.stderr)")
        let run = try Command.run("moodd", ["run", "--model", model, "--socket", dir.path + "/s", "--log", ""], timeout: 20)
        #expect(run.status == 1, "\(name)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(name): \(run.stderr)")
        #expect(run.stderr.contains(model + ": ") && run.stderr.contains(reason), "\(name): \(run.stderr)")
    }
}
