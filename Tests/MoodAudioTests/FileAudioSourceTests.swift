import Foundation
import MoodAudio
import MoodCore
import MoodTestKit
import Testing

@Suite(.timeLimit(.minutes(1)))
struct FileAudioSourceTests {
    static let path = Fixtures.path("audio/music_44100_stereo_s16.flac")

    /// Paced: the samples are AudioFileDecoder's at the model's rate, delivered in real time in blocks
    /// of 20 ms of that rate.
    @Test(arguments: [16000, 22050])
    func pacedDeliversInRealTime(sampleRate: Int) throws {
        let reference = try Decode.all(Self.path, sampleRate: sampleRate)
        let source = try FileAudioSource(path: Self.path, sampleRate: sampleRate)
        #expect(source.sampleRate == sampleRate)
        let t0 = monotonic()
        let (captured, ended) = try LiveSignal.read(source)
        let elapsed = monotonic() - t0
        let duration = Double(reference.count) / Double(sampleRate)
        print("file paced at \(sampleRate) Hz: \(duration) s of audio in \(elapsed) s")
        #expect(ended)
        #expect(captured == reference)
        #expect(abs(elapsed - duration) < 0.05)
    }

    @Test(arguments: [16000, 44100])
    func unpacedIsAsFastAsItDecodes(sampleRate: Int) throws {
        let reference = try Decode.all(Self.path, sampleRate: sampleRate)
        let source = try FileAudioSource(path: Self.path, sampleRate: sampleRate, paced: false)
        let t0 = monotonic()
        let (captured, ended) = try LiveSignal.read(source)
        let elapsed = monotonic() - t0
        #expect(ended)
        #expect(captured == reference)
        #expect(elapsed < Double(reference.count) / Double(sampleRate) / 2)
    }

    @Test func loopStartsAgainAtTheEnd() throws {
        let reference = try Decode.all(Fixtures.path("audio/sine440_16000_mono_s16.wav"))
        let source = try FileAudioSource(path: Fixtures.path("audio/sine440_16000_mono_s16.wav"), sampleRate: 16000,
                                         loop: true, paced: false)
        let (captured, ended) = try LiveSignal.read(source, count: reference.count * 5 / 2)
        #expect(!ended)
        #expect(source.passes == 3)
        #expect(Array(captured.prefix(reference.count * 5 / 2)) == Array((reference + reference + reference).prefix(reference.count * 5 / 2)))
    }

    @Test func missingFileFailsAtOpen() throws {
        let source = try FileAudioSource(path: "/nonexistent/x.wav", sampleRate: 16000)
        #expect {
            try source.open()
        } throws: { error in
            let e = error as! AudioSourceError
            return e.kind == .failed && e.description == "file:/nonexistent/x.wav: source failed (/nonexistent/x.wav: no such file (open: No such file or directory))"
        }
    }

    @Test func madeFromSpecs() throws {
        let s = try AudioSources.make(try SourceSpec(parsing: "file+loop+unpaced:/a.wav"), sampleRate: 22050)
        let f = try #require(s as? FileAudioSource)
        #expect(f.loop && !f.paced && f.path == "/a.wav" && f.description == "file+loop+unpaced:/a.wav")
        #expect(try AudioSources.make(try SourceSpec(parsing: "pulse"), sampleRate: 22050) is PulseAudioSource)
        #expect(try AudioSources.make(try SourceSpec(parsing: "alsa:hw:0"), sampleRate: 22050).description == "alsa:hw:0")
        let pipe = try #require(try AudioSources.make(try SourceSpec(parsing: "stdin:44100:1"), sampleRate: 22050) as? PipeAudioSource)
        #expect(pipe.description == "stdin:44100:1" && pipe.inputRate == 44100)
        // Every source delivers the rate it was made for (the model's), whatever it reads.
        for spec in ["file:/a.wav", "pulse", "alsa:hw:0", "stdin:44100:1"] {
            #expect(try AudioSources.make(try SourceSpec(parsing: spec), sampleRate: 22050).sampleRate == 22050, "\(spec)")
        }
    }

    /// A rate no model may ask for is refused when the source is made, in one line naming it.
    @Test func refusesARateOutsideTheRange() {
        for spec in ["file:/a.wav", "pulse", "alsa:hw:0", "stdin:44100:1"] {
            #expect(throws: AudioSourceError(source: spec, kind: .failed, detail: "sample rate 200000 Hz, not 8000...192000")) {
                try AudioSources.make(try SourceSpec(parsing: spec), sampleRate: 200_000)
            }
        }
    }
}
