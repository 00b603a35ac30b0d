import Foundation
import MoodAudio
import MoodCore
import MoodTestKit
import Testing

@Suite(.timeLimit(.minutes(1)))
struct FileAudioSourceTests {
    static let path = Fixtures.path("audio/music_44100_stereo_s16.flac")

    /// Paced: the samples are AudioFileDecoder's, delivered in real time.
    @Test func pacedDeliversInRealTime() throws {
        let reference = try Decode.all(Self.path)
        let source = try FileAudioSource(path: Self.path)
        let t0 = monotonic()
        let (captured, ended) = try LiveSignal.read(source)
        let elapsed = monotonic() - t0
        let duration = Double(reference.count) / 16000
        print("file paced: \(duration) s of audio in \(elapsed) s")
        #expect(ended)
        #expect(captured == reference)
        #expect(abs(elapsed - duration) < 0.05)
    }

    @Test func unpacedIsAsFastAsItDecodes() throws {
        let reference = try Decode.all(Self.path)
        let source = try FileAudioSource(path: Self.path, paced: false)
        let t0 = monotonic()
        let (captured, ended) = try LiveSignal.read(source)
        let elapsed = monotonic() - t0
        #expect(ended)
        #expect(captured == reference)
        #expect(elapsed < Double(reference.count) / 16000 / 2)
    }

    @Test func loopStartsAgainAtTheEnd() throws {
        let reference = try Decode.all(Fixtures.path("audio/sine440_16000_mono_s16.wav"))
        let source = try FileAudioSource(path: Fixtures.path("audio/sine440_16000_mono_s16.wav"), loop: true, paced: false)
        let (captured, ended) = try LiveSignal.read(source, count: reference.count * 5 / 2)
        #expect(!ended)
        #expect(source.passes == 3)
        #expect(Array(captured.prefix(reference.count * 5 / 2)) == Array((reference + reference + reference).prefix(reference.count * 5 / 2)))
    }

    @Test func missingFileFailsAtOpen() throws {
        let source = try FileAudioSource(path: "/nonexistent/x.wav")
        #expect {
            try source.open()
        } throws: { error in
            let e = error as! AudioSourceError
            return e.kind == .failed && e.description == "file:/nonexistent/x.wav: source failed (/nonexistent/x.wav: no such file (open: No such file or directory))"
        }
    }

    @Test func madeFromSpecs() throws {
        let s = try AudioSources.make(try SourceSpec(parsing: "file+loop+unpaced:/a.wav"))
        let f = try #require(s as? FileAudioSource)
        #expect(f.loop && !f.paced && f.path == "/a.wav" && f.description == "file+loop+unpaced:/a.wav")
        #expect(try AudioSources.make(try SourceSpec(parsing: "pulse")) is PulseAudioSource)
        #expect(try AudioSources.make(try SourceSpec(parsing: "alsa:hw:0")).description == "alsa:hw:0")
        #expect(try AudioSources.make(try SourceSpec(parsing: "stdin:44100:1")).description == "stdin:44100:1")
    }
}
