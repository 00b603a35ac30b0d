import MoodAudio
import MoodTestKit
import Testing

/// Decoded samples against `librosa.load(path, sr=16000)` (librosa 0.11, soundfile 0.14 bundling
/// libsndfile 1.2.2, soxr 1.1 bundling libsoxr 0.1.3-14), from Tests/Fixtures/make_audio_fixtures.py.
/// Here the decoder runs on Debian 12's libsndfile 1.2.0 and libsoxr 0.1.3.
@Suite struct AudioFileDecoderTests {
    /// (fixture, tolerance = the max |difference| measured on Debian 12). Everything but Vorbis came
    /// out bit-identical, resampled or not: both libsndfile builds decode WAV, FLAC, MP3 and Opus to
    /// the same floats, and both libsoxr builds resample them to the same floats. Vorbis differs by
    /// 1 ulp at 0.5 (1.19e-7) in places.
    static let references: [(String, Float)] = [
        ("sine440_8000_mono_s16.wav", 0),
        ("sine440_16000_mono_s16.wav", 0),
        ("sine440_22050_mono_s24.wav", 0),
        ("sine440_44100_stereo_s16.wav", 0),
        ("sine440_48000_stereo_s24.wav", 0),
        ("sine1000_96000_mono_s16.wav", 0),
        ("noise_16000_stereo_f32.wav", 0),
        ("noise_16000_3ch_s16.wav", 0),
        ("noise_44100_mono_f32.wav", 0),
        ("chirp_48000_mono_s32.wav", 0),
        ("chirp_22050_stereo_f32.wav", 0),
        ("silence_44100_stereo_s16.wav", 0),
        ("square_8000_stereo_s32.wav", 0),
        ("square_48000_mono_f32.wav", 0),
        ("music_44100_stereo_s16.flac", 0),
        ("music_48000_stereo_s24.flac", 0),
        ("music_44100_stereo_vorbis.ogg", 1.2e-7),
        ("music_48000_stereo_opus.opus", 0),
        ("music_44100_stereo_mp3.mp3", 0),
        ("music_22050_mono_mp3.mp3", 0),
        ("bad_absurd_length.wav", 0),
    ]

    static func referencePath(_ name: String) -> String {
        "audio/" + name.split(separator: ".").dropLast().joined(separator: ".") + ".16k.npy"
    }

    @Test(arguments: references)
    func matchesLibrosa(name: String, tolerance: Float) throws {
        let reference = try Fixtures.npy(Self.referencePath(name)).values
        let decoded = try Decode.all(Fixtures.path("audio/" + name))
        #expect(decoded.count == reference.count)
        #expect(Decode.maxAbsDiff(decoded, reference) <= tolerance)
    }

    /// At the rates other models ask for, against `librosa.load(path, sr=rate)` (Tests/Fixtures/rates/,
    /// make_rate_fixtures.py): up- and downsampling by integer and other ratios, and a file already at
    /// the rate, passed through. Bit-identical, as at 16 kHz.
    static let otherRates: [(name: String, rate: Int)] = [
        ("sine440_8000_mono_s16.wav", 22050),
        ("sine440_16000_mono_s16.wav", 22050),
        ("sine440_22050_mono_s24.wav", 22050),
        ("chirp_48000_mono_s32.wav", 22050),
        ("music_44100_stereo_s16.flac", 22050),
        ("music_48000_stereo_opus.opus", 22050),
        ("music_44100_stereo_mp3.mp3", 22050),
        ("sine440_48000_stereo_s24.wav", 44100),
        ("noise_16000_stereo_f32.wav", 44100),
    ]

    @Test(arguments: otherRates)
    func matchesLibrosaAtTheModelsRate(name: String, rate: Int) throws {
        let stem = name.split(separator: ".").dropLast().joined(separator: ".")
        let reference = try Fixtures.npy("rates/\(stem).\(rate).npy").values
        let decoder = try AudioFileDecoder(path: Fixtures.path("audio/" + name), sampleRate: rate)
        #expect(decoder.sampleRate == rate)
        #expect(decoder.expectedSampleCount == reference.count)
        let decoded = try Decode.all(Fixtures.path("audio/" + name), sampleRate: rate)
        #expect(decoded.count == reference.count)
        #expect(Decode.maxAbsDiff(decoded, reference) == 0)
    }

    /// A rate no model may ask for is refused before the file is opened, in one line.
    @Test(arguments: [0, -16000, 7999, 192_001])
    func refusesAnOutputRateOutsideTheRange(rate: Int) {
        let path = Fixtures.path("audio/sine440_16000_mono_s16.wav")
        #expect {
            _ = try AudioFileDecoder(path: path, sampleRate: rate)
        } throws: { error in
            let e = error as! AudioError
            return e.reason == .invalidParameter
                && e.description == "\(path): \(e.reason.text) (output sample rate \(rate) Hz, not 8000...192000)"
        }
    }

    @Test(arguments: references.map(\.0))
    func lengthIsCeilOfFramesTimesRatio(name: String) throws {
        let decoder = try AudioFileDecoder(path: Fixtures.path("audio/" + name), sampleRate: 16000)
        var buffer = [Float](repeating: 0, count: 100_000)
        let n = try decoder.read(into: &buffer)
        #expect(try decoder.read(into: &buffer) == 0)
        let expected = (Double(decoder.framesDecoded) * 16000 / Double(decoder.sourceSampleRate)).rounded(.up)
        #expect(n == Int(expected))
        #expect(decoder.samplesRead == n)
        #expect(try Fixtures.npy(Self.referencePath(name)).values.count == n)
    }

    @Test(arguments: [
        ("sine440_8000_mono_s16.wav", 8000, 1, AudioFileFormat(container: .wav, encoding: .pcm16), 4803),
        ("sine440_48000_stereo_s24.wav", 48000, 2, AudioFileFormat(container: .wav, encoding: .pcm24), 28803),
        ("chirp_48000_mono_s32.wav", 48000, 1, AudioFileFormat(container: .wav, encoding: .pcm32), 28803),
        ("noise_16000_stereo_f32.wav", 16000, 2, AudioFileFormat(container: .wav, encoding: .float32), 9603),
        ("noise_16000_3ch_s16.wav", 16000, 3, AudioFileFormat(container: .wav, encoding: .pcm16), 4803),
        ("music_48000_stereo_s24.flac", 48000, 2, AudioFileFormat(container: .flac, encoding: .pcm24), 48005),
        ("music_44100_stereo_vorbis.ogg", 44100, 2, AudioFileFormat(container: .ogg, encoding: .vorbis), 44105),
        ("music_48000_stereo_opus.opus", 48000, 2, AudioFileFormat(container: .ogg, encoding: .opus), 48005),
        ("music_44100_stereo_mp3.mp3", 44100, 2, AudioFileFormat(container: .mpeg, encoding: .mpegLayer3), 44105),
    ])
    func reportsTheSource(name: String, rate: Int, channels: Int, format: AudioFileFormat, frames: Int) throws {
        let decoder = try AudioFileDecoder(path: Fixtures.path("audio/" + name), sampleRate: 16000)
        #expect(decoder.sourceSampleRate == rate)
        #expect(decoder.sourceChannels == channels)
        #expect(decoder.sourceFormat == format)
        #expect(decoder.sourceFrames == frames)
        #expect(decoder.expectedSampleCount == Int((Double(frames) * (16000 / Double(rate))).rounded(.up)))
        _ = try Decode.all(Fixtures.path("audio/" + name))
    }

    @Test func describesFormatsInOneWord() {
        #expect(AudioFileFormat(container: .wav, encoding: .pcm24).description == "WAV pcm24")
        #expect(AudioFileFormat(container: .other("RF64 (RIFF 64)"), encoding: .other("A-Law")).description
            == "RF64 (RIFF 64) A-Law")
    }

    /// Block sizes (source frames per libsndfile read) and caller buffer sizes change nothing.
    @Test(arguments: ["sine440_8000_mono_s16.wav", "chirp_22050_stereo_f32.wav", "noise_16000_3ch_s16.wav",
                      "music_48000_stereo_opus.opus", "music_44100_stereo_mp3.mp3"])
    func blockSizesDoNotChangeTheOutput(name: String) throws {
        let path = Fixtures.path("audio/" + name)
        let whole = try Decode.all(path, blockFrames: 65536, chunk: 200_000)
        for (blockFrames, chunk) in [(1, 1), (7, 333), (4096, 1000), (4096, 4096), (1000, 65536)] {
            #expect(try Decode.all(path, blockFrames: blockFrames, chunk: chunk) == whole,
                    "blockFrames \(blockFrames), chunk \(chunk)")
        }
    }

    @Test func readsNothingIntoAnEmptyBufferAndZeroAfterTheEnd() throws {
        let decoder = try AudioFileDecoder(path: Fixtures.path("audio/sine440_44100_stereo_s16.wav"), sampleRate: 16000)
        var empty: [Float] = []
        #expect(try decoder.read(into: &empty) == 0)
        var buffer = [Float](repeating: 0, count: 20_000)
        #expect(try decoder.read(into: &buffer) == 9602)
        #expect(try decoder.read(into: &buffer) == 0)
        #expect(try decoder.read(into: &buffer) == 0)
        #expect(decoder.framesDecoded == 26463)
        #expect(decoder.nonFiniteSamples == 0)
    }

    /// NaN/+-inf become 0 before mixing; the reference is librosa on the zeroed samples. The file has
    /// NaN at [100, L], +inf at [5000, R], -inf at [5001, L] and NaN in both channels of 9000..<9010.
    @Test func zeroesAndCountsNonFiniteSamples() throws {
        let name = "nonfinite_44100_stereo_f32.wav"
        let decoder = try AudioFileDecoder(path: Fixtures.path("audio/" + name), sampleRate: 16000)
        var out = [Float](repeating: 0, count: 10_000)
        let n = try decoder.read(into: &out)
        let reference = try Fixtures.npy(Self.referencePath(name)).values
        #expect(n == reference.count)
        #expect(out[0..<n].allSatisfy { $0.isFinite })
        #expect(Decode.maxAbsDiff(Array(out[0..<n]), reference) == 0)
        #expect(decoder.nonFiniteSamples == 23)
    }

    /// A stream ending clearly before its claimed length returns the audio before the cut, then
    /// throws `.truncated` instead of passing for a shorter song.
    @Test func truncatedMP3IsRefusedAtTheCut() throws {
        let decoder = try AudioFileDecoder(path: Fixtures.path("audio/bad_data_cut_mp3.mp3"), sampleRate: 16000)
        #expect(decoder.sourceFrames == 44105)
        var out = [Float](repeating: 0, count: 4000)
        #expect(try decoder.read(into: &out) == 4000)
        #expect(throws: AudioError(source: Fixtures.path("audio/bad_data_cut_mp3.mp3"), reason: .truncated,
                                   detail: "the header claims 44105 frames, the data ends after 19631")) {
            while try decoder.read(into: &out) > 0 {}
        }
        #expect(try decoder.read(into: &out) == 0)
    }

    /// A WAV data chunk longer than the file is refused at open; the placeholder size a streaming
    /// writer leaves (0xFFFFFFF0 here) is accepted and clamped to the file, as libsndfile does.
    @Test func cutWavIsRefusedButAStreamedWavIsRead() throws {
        let cut = Fixtures.path("audio/bad_data_cut_wav.wav")
        #expect(throws: AudioError(source: cut, reason: .truncated,
                                   detail: "the data chunk claims 1600 bytes, the file holds 600")) {
            _ = try AudioFileDecoder(path: cut, sampleRate: 16000)
        }
        let streamed = Fixtures.path("audio/bad_absurd_length.wav")
        let decoder = try AudioFileDecoder(path: streamed, sampleRate: 16000)
        #expect(decoder.sourceFrames == 800)
        #expect(try Decode.all(streamed).count == 1600)
    }
}
