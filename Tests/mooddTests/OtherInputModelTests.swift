#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodCore
import MoodModel
import MoodTestKit
import Testing

/// The model file decides the front end and the patch: the shipped backbone and mood head with other
/// `input` settings (an FFT of 1024, a hop of 512, patches of 64 frames; musicnn's convs slide over
/// time, so the weights run on any patch length) works in `moodd classify` and `moodd run` without a
/// code change, with the patches and the hop its metadata gives; an input the network or the audio cannot serve is
/// refused with one line naming the file.
@Suite(.serialized, .timeLimit(.minutes(2))) struct OtherInputModelTests {
    static let otherInput = """
        {"sample_rate": 16000, "n_fft": 1024, "hop_length": 512, "n_mels": 96, "fmin": 0, "fmax": 8000, \
        "mel_scale": "slaney", "mel_norm": "slaney", "window": "hann_periodic", "power": 2, \
        "log": "log10(1+10000*x)", "patch_frames": 64}
        """

    /// The mood-only shipped model with `input` replaced, written to `path`.
    static func write(input: String, to path: String) throws {
        var writer = SafeTensorsWriter(copying: try SafeTensors(contentsOfFile: ContentModel.moodOnly))
        writer.metadata["input"] = input
        try Data(writer.bytes()).write(to: URL(fileURLWithPath: path))
    }

    /// `count` samples of the music fixture at 16 kHz (looped), as s16le.
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

    /// Windows every half patch (32 frames of 512 samples: 1.024 s) over the file's 313 frames.
    @Test func classifyCutsTheModelsPatchesAtItsHop() throws {
        let dir = try TemporaryDirectory()
        let model = dir.path + "/m.safetensors"
        try Self.write(input: Self.otherInput, to: model)
        let audio = try EmbedAndTagsCommandTests.longClip(in: dir)  // 5 s: 1 + 80000 / 512 = 157 frames
        let run = try Command.run("moodd", ["classify", audio, "--json", "--timeline", "--model", model])
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run.stderr)")
        let json = try JSONValue.parse(run.stdout.split(separator: "\n").first.map(String.init) ?? "")
        // Patches start at 0, 32, 64 and end by frame 157: three windows.
        #expect(json["windows"]?.intValue == 3)
        let starts: [Double?] = (json["timeline"]?.arrayValue ?? []).map { $0["start"]?.doubleValue }
        let expected: [Double?] = [0, 1.024, 2.048]  // 32 and 64 frames of 512 samples at 16 kHz
        #expect(starts == expected)
    }

    /// `moodd run` on raw PCM (`stdin:16000:1`, a FIFO) analyses as soon as it holds one patch of the
    /// model's frames, and not a frame earlier: frame k of a live, centred front end exists once
    /// sample k*hop + n_fft/2 is in, so 64 frames of 512 need 32 768 samples and musicnn's 187 frames of
    /// 256 need 47 872. Fed 512 samples short of that, the daemon says nothing for five hops; fed the
    /// rest, it analyses; then one window per hop while audio comes.
    @Test(arguments: [("other", 32_768), ("musicnn", 47_872)])
    func theDaemonAnalysesOncePatchOfTheModelsFramesIsIn(model name: String, needed: Int) throws {
        let dir = try TemporaryDirectory()
        var model = ContentModel.moodOnly
        if name == "other" {
            model = dir.path + "/m.safetensors"
            try Self.write(input: Self.otherInput, to: model)
        }
        let fifo = dir.path + "/pcm"
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = open(fifo, O_RDWR)  // a writer exists, so the daemon's open for reading does not block
        defer { close(writer) }
        let audio = try Self.pcm(needed + 16_000)
        func feed(_ samples: Range<Int>) {
            audio[2 * samples.lowerBound..<2 * samples.upperBound].withUnsafeBytes { _ = Glibc.write(writer, $0.baseAddress, $0.count) }
        }
        let daemon = try RunningDaemon(["--source", "stdin:16000:1", "--model", model, "--hop", "0.2"], stdinPath: fifo)
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

    static let refused: [(name: String, edit: @Sendable (String) -> String, reason: String)] = [
        ("64 bands", { $0.replacingOccurrences(of: "\"n_mels\": 96", with: "\"n_mels\": 64") },
         "input n_mels is 64; musicnn version 1 needs 96"),
        ("22.05 kHz", { $0.replacingOccurrences(of: "\"sample_rate\": 16000", with: "\"sample_rate\": 22050") },
         "input sample_rate is 22050 Hz; moodd decodes and captures audio at 16000 Hz"),
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
