import Foundation
@testable import MoodAudio
import MoodTestKit
import Testing

/// Every bad input gives one `AudioError` line naming the file and the reason; none traps or hangs.
/// The library words are Debian 12's libsndfile 1.2.0.
@Suite struct AudioFileDecoderErrorTests {
    typealias Reason = AudioError.Reason

    /// Files refused when opened.
    @Test(arguments: [
        ("bad_empty.wav", Reason.emptyFile, nil),
        ("bad_text.wav", .unrecognisedFormat, "libsndfile: Format not recognised"),
        ("bad_random.mp3", .unrecognisedFormat, "libsndfile: Format not recognised"),
        ("bad_header_cut_mp3.mp3", .unrecognisedFormat, "libsndfile error 7: no decodable stream"),
        ("bad_header_cut_wav.wav", .malformedFile, "libsndfile: Error in WAV/W64/RF64 file. Malformed 'fmt ' chunk"),
        ("bad_header_cut_flac.flac", .malformedFile, "libsndfile: File contains data in an unimplemented format"),
        ("bad_header_cut_ogg.ogg", .malformedFile, "libsndfile: File contains data in an unimplemented format"),
        ("bad_header_cut_opus.opus", .malformedFile, "libsndfile: File contains data in an unimplemented format"),
        ("bad_data_cut_opus.opus", .malformedFile, "libsndfile: Supported file format but file is malformed"),
        ("bad_zero_channels.wav", .malformedFile, "libsndfile: Channel count is zero"),
        ("bad_huge_channels.wav", .malformedFile, "libsndfile: Too many channels specified"),
        ("bad_zero_rate.wav", .malformedFile, "libsndfile: Internal error : SF_INFO struct incomplete"),
        ("bad_zero_frames.wav", .noAudio, "the header claims 0 frames"),
    ] as [(String, Reason, String?)])
    func refusesAtOpen(name: String, reason: Reason, detail: String?) {
        let path = Fixtures.path("audio/" + name)
        #expect(throws: AudioError(source: path, reason: reason, detail: detail)) {
            try AudioFileDecoder(path: path, sampleRate: 16000)
        }
    }

    @Test func oneLineDescriptionNamesTheFileAndTheReason() {
        let path = Fixtures.path("audio/bad_text.wav")
        do {
            _ = try AudioFileDecoder(path: path, sampleRate: 16000)
            Issue.record("opened a text file")
        } catch {
            #expect(error.description == "\(path): not a recognised audio file (libsndfile: Format not recognised)")
        }
        let error = AudioError(source: "x.wav", reason: .decodeFailed, detail: "two\nlines")
        #expect(error.description == "x.wav: decoding failed (two lines)")
    }

    /// A FLAC stream cut mid-way: the blocks before the cut come out, then the read throws, then 0.
    @Test func cutFlacThrowsWhereTheStreamLosesSync() throws {
        let path = Fixtures.path("audio/bad_data_cut_flac.flac")
        let decoder = try AudioFileDecoder(path: path, sampleRate: 16000)
        var buffer = [Float](repeating: 0, count: 1000)
        var samples = 0
        do {
            while true {
                let n = try decoder.read(into: &buffer)
                if n == 0 { break }
                samples += n
            }
            Issue.record("read to the end of a cut FLAC file")
        } catch {
            #expect(error == AudioError(source: path, reason: .decodeFailed,
                                        detail: "libsndfile: Error : flac decoder lost sync, after 16384 frames"))
        }
        #expect(samples >= 5000)  // 16384 frames at 44.1 kHz less the resampler's delay
        #expect(try decoder.read(into: &buffer) == 0)
    }

    /// libsndfile 1.2.0 opens this half Vorbis file (length unknown) but decodes no frame from it.
    @Test func cutVorbisWithNothingDecodableThrowsNoAudio() throws {
        let path = Fixtures.path("audio/bad_data_cut_ogg.ogg")
        let decoder = try AudioFileDecoder(path: path, sampleRate: 16000)
        #expect(decoder.sourceFrames == nil)
        #expect(throws: AudioError(source: path, reason: .noAudio, detail: "no frame could be decoded")) {
            var buffer = [Float](repeating: 0, count: 1000)
            _ = try decoder.read(into: &buffer)
        }
    }

    @Test func missingFile() {
        let path = "/nonexistent-moodd/song.mp3"
        #expect(throws: AudioError(source: path, reason: .notFound, detail: "open: No such file or directory")) {
            try AudioFileDecoder(path: path, sampleRate: 16000)
        }
        #expect(throws: AudioError(source: "", reason: .notFound, detail: "open: No such file or directory")) {
            try AudioFileDecoder(path: "", sampleRate: 16000)
        }
    }

    @Test func directory() {
        let path = Fixtures.path("audio")
        #expect(throws: AudioError(source: path, reason: .isDirectory)) { try AudioFileDecoder(path: path, sampleRate: 16000) }
    }

    /// A FIFO with no writer: opening it for reading would block forever without O_NONBLOCK.
    @Test func fifoIsRefusedWithoutBlocking() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/pipe.wav"
        #expect(mkfifo(path, 0o600) == 0)
        #expect(throws: AudioError(source: path, reason: .notRegularFile)) { try AudioFileDecoder(path: path, sampleRate: 16000) }
    }

    @Test func symlinkLoopIsUnreadable() throws {
        let dir = try TemporaryDirectory()
        #expect(symlink(dir.path + "/b.wav", dir.path + "/a.wav") == 0)
        #expect(symlink(dir.path + "/a.wav", dir.path + "/b.wav") == 0)
        let path = dir.path + "/a.wav"
        #expect(throws: AudioError(source: path, reason: .unreadable, detail: "open: Too many levels of symbolic links")) {
            try AudioFileDecoder(path: path, sampleRate: 16000)
        }
    }

    /// chmod 000 stops only non-root users; these tests run as root in CI, so the real file check
    /// runs only when not root, and the errno mapping is checked directly either way.
    @Test(.enabled(if: geteuid() != 0, "root reads files whatever their mode"))
    func unreadableFileIsPermissionDenied() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/locked.wav"
        try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("audio/sine440_8000_mono_s16.wav")))
            .write(to: URL(fileURLWithPath: path))
        #expect(chmod(path, 0) == 0)
        #expect(throws: AudioError(source: path, reason: .permissionDenied, detail: "open: Permission denied")) {
            try AudioFileDecoder(path: path, sampleRate: 16000)
        }
    }

    @Test(arguments: [(EACCES, Reason.permissionDenied), (EPERM, .permissionDenied), (ENOENT, .notFound),
                      (ENOTDIR, .notFound), (EIO, .unreadable), (ELOOP, .unreadable)])
    func errnoMapping(code: Int32, reason: Reason) {
        let message = String(cString: strerror(code))
        let error = AudioError(.system(errno: code, operation: "open", message: message), path: "f.wav", operation: .open)
        #expect(error == AudioError(source: "f.wav", reason: reason, detail: "open: \(message)"))
    }

    @Test(arguments: [0, -1, 65537])
    func blockFramesOutOfRange(blockFrames: Int) {
        let path = Fixtures.path("audio/sine440_8000_mono_s16.wav")
        #expect(throws: AudioError(source: path, reason: .invalidParameter,
                                   detail: "blockFrames \(blockFrames), not 1...65536")) {
            try AudioFileDecoder(path: path, sampleRate: 16000, blockFrames: blockFrames)
        }
    }
}

/// A fresh directory under the system temporary directory, removed when the value is dropped.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/moodaudio-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
