import Foundation
@testable import MoodAudio
import MoodTestKit
import Testing

/// ALSA without a sound card: `ALSA_CONFIG_PATH` names a config defining PCMs of type `file`, whose
/// `infile` (raw s16le) is what capture reads, exactly and as fast as it is read.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ALSAAudioSourceTests {
    /// One config for the whole process (alsa-lib reads it once): PCMs `moodtest_RATE_CHANNELS`
    /// reading `in_RATE_CHANNELS.raw` in the directory.
    static let cases: [(rate: Int, channels: Int)] = [(48000, 2), (44100, 1), (16000, 1), (22050, 3)]
    static var directory: String { setup.path }
    /// Made once, kept for the process's life.
    nonisolated(unsafe) private static let setup: TemporaryDirectory = {
        let dir = try! TemporaryDirectory()
        var config = ""
        for (rate, channels) in cases {
            let raw = "\(dir.path)/in_\(rate)_\(channels).raw"
            let samples = LiveSignal.s16(frames: rate * 6 / 10 + 7, channels: channels, rate: rate)
            _ = FileManager.default.createFile(atPath: raw, contents: LiveSignal.bytes(samples))
            config += """
                pcm.moodtest_\(rate)_\(channels) {
                    type file
                    slave { pcm { type null } }
                    file "/dev/null"
                    infile "\(raw)"
                    format "raw"
                }

                """
        }
        _ = FileManager.default.createFile(atPath: dir.path + "/asound.conf", contents: Data(config.utf8))
        setenv("ALSA_CONFIG_PATH", dir.path + "/asound.conf", 1)
        return dir
    }()

    /// Every device layout, delivered at musicnn's 16 kHz and at another model's 22.05 kHz.
    @Test(arguments: cases, [16000, 22050])
    func capturesTheFileBitExactly(device: (rate: Int, channels: Int), sampleRate: Int) throws {
        let (rate, channels) = device
        let dir = Self.directory
        let source = try ALSAAudioSource(device: "moodtest_\(rate)_\(channels)", sampleRate: sampleRate, captureRate: rate,
                                         captureChannels: channels)
        #expect(source.sampleRate == sampleRate)
        let frames = rate * 6 / 10 + 7
        let input = LiveSignal.s16(frames: frames, channels: channels, rate: rate)
        // Past the end of `infile` the plugin does not give zeros here (alsa-lib 1.2.8 repeats
        // stale buffer contents), so only the output that the file's samples determine is compared:
        // what the resampler gives for them without being told the input ended.
        let expected = try LiveSignal.resampled(LiveSignal.mono(s16: input, channels: channels), rate: rate, to: sampleRate,
                                                finish: false)
        let (captured, ended) = try LiveSignal.read(source, count: expected.count)
        #expect(!ended)
        #expect(captured.count >= expected.count)
        // All but the filter's reach past the end.
        #expect(expected.count > frames * sampleRate / rate - 600 * sampleRate / 16000)
        #expect(LiveSignal.maxAbsDiff(captured[0..<expected.count], expected[...]) == 0)
        #expect(source.overruns == 0)
        _ = dir
    }

    @Test func negotiatesWhatTheDeviceOffers() throws {
        _ = Self.directory
        let source = try ALSAAudioSource(device: "moodtest_48000_2", sampleRate: 16000)
        try source.open()
        defer { source.close() }
        let n = try #require(source.negotiated)
        #expect(n.format == "s16" && n.rate == 48000 && n.channels == 2)
        #expect(n.periodFrames == 960)  // 20 ms
        print("alsa file PCM negotiated: \(n)")
        source.close()
        #expect(source.negotiated == nil)
    }

    @Test func missingDeviceIsUnavailableWithALSAsWords() throws {
        _ = Self.directory
        let source = try ALSAAudioSource(device: "no_such_pcm", sampleRate: 16000)
        #expect {
            try source.open()
        } throws: { error in
            let e = error as! AudioSourceError
            print("alsa missing device: \(e)")
            return e.kind == .unavailable && e.description.hasPrefix("alsa:no_such_pcm: source unavailable (snd_pcm_open: ")
                && e.description.contains("alsa-lib: Unknown PCM no_such_pcm")  // its own words, not printed to stderr
                && !e.description.contains("\n")
        }
    }

    @Test func rejectsBadParameters() {
        #expect(throws: AudioSourceError.self) { try ALSAAudioSource(device: "", sampleRate: 16000) }
        #expect(throws: AudioSourceError.self) { try ALSAAudioSource(sampleRate: 16000, captureRate: 0) }
        #expect(throws: AudioSourceError.self) { try ALSAAudioSource(sampleRate: 16000, captureChannels: 64) }
        #expect(throws: AudioSourceError(source: "alsa:default", kind: .failed, detail: "sample rate 4000 Hz, not 8000...192000")) {
            try ALSAAudioSource(sampleRate: 4000)
        }
    }
}

/// `ALSARecovery`, the xrun/suspend/unplug logic, without a device.
@Suite struct ALSARecoveryTests {
    @Test func overrunPrepares() {
        var r = ALSARecovery()
        #expect(r.failed(code: -EPIPE, state: .xrun) == .recoverOverrun)
    }

    @Test func goneDeviceIsLost() {
        for code in [ENODEV, EBADFD, EIO] {
            var r = ALSARecovery()
            #expect(r.failed(code: -code, state: .running) == .lost)
        }
    }

    @Test func interruptionsJustReadAgain() {
        var r = ALSARecovery()
        #expect(r.failed(code: -EINTR, state: .running) == .read)
        #expect(r.failed(code: -EAGAIN, state: .running) == .read)
    }

    /// -ESTRPIPE: resume while it says -EAGAIN (pausing between), bounded; then prepare.
    @Test func suspendResumesUntilNotAgain() {
        var r = ALSARecovery()
        #expect(r.failed(code: -ESTRPIPE, state: .suspended) == .resume)
        #expect(r.resumed(result: -EAGAIN) == .pauseThenResume)
        #expect(r.resumed(result: -EAGAIN) == .pauseThenResume)
        #expect(r.resumed(result: 0) == .read)

        var failing = ALSARecovery()
        _ = failing.failed(code: -ESTRPIPE, state: .suspended)
        #expect(failing.resumed(result: -ENOSYS) == .prepare)

        var slow = ALSARecovery()
        _ = slow.failed(code: -ESTRPIPE, state: .suspended)
        var steps = 0
        while slow.resumed(result: -EAGAIN) == .pauseThenResume { steps += 1 }
        #expect(steps == ALSARecovery.maxResumeAttempts - 1)
        // A new suspend starts counting again.
        #expect(slow.failed(code: -ESTRPIPE, state: .suspended) == .resume)
        #expect(slow.resumed(result: -EAGAIN) == .pauseThenResume)
    }

    /// Other errors go by the PCM's state, as MPD's Recover does.
    @Test func otherErrorsFollowTheState() {
        let cases: [(ALSARecovery.PCMState, ALSARecovery.Action)] = [
            (.running, .read), (.xrun, .prepare), (.setup, .prepare), (.paused, .unpause),
            (.suspended, .resume), (.disconnected, .lost),
        ]
        for (state, action) in cases {
            var r = ALSARecovery()
            #expect(r.failed(code: -EINVAL, state: state) == action, "\(state)")
        }
    }
}
