import Foundation
import MoodAudio
import MoodCore
import MoodTestKit
import Testing

/// Raw s16le through a real pipe, as `parec ... | moodd run --source stdin:48000:2` feeds it.
@Suite(.timeLimit(.minutes(1)))
struct PipeAudioSourceTests {
    /// Writes `data` into a new pipe from another thread, in pieces of `piece` bytes (odd sizes
    /// split frames), then closes the write end. Returns the read end.
    static func pipe(writing data: Data, piece: Int, pauseMicroseconds: UInt32 = 0) -> Int32 {
        var fds: [Int32] = [0, 0]
        precondition(Glibc.pipe(&fds) == 0)
        let writer = fds[1]
        Thread.detachNewThread {
            var offset = 0
            data.withUnsafeBytes { raw in
                while offset < raw.count {
                    let n = write(writer, raw.baseAddress! + offset, min(piece, raw.count - offset))
                    if n <= 0 { break }
                    offset += n
                    if pauseMicroseconds > 0 { usleep(pauseMicroseconds) }
                }
            }
            close(writer)
        }
        return fds[0]
    }

    /// Each PCM layout, delivered at musicnn's 16 kHz and at another model's rate (22.05 kHz: the
    /// 22.05 kHz PCM passes through unresampled; 44.1 kHz: 16 kHz PCM upsampled).
    @Test(arguments: [(48000, 2, 4099, 16000), (44100, 1, 333, 16000), (16000, 1, 1000, 16000), (22050, 6, 7, 16000),
                      (48000, 2, 4099, 22050), (22050, 1, 333, 22050), (16000, 3, 1000, 44100)])
    func readsExactlyWhatWasWrittenThenEnds(rate: Int, channels: Int, piece: Int, sampleRate: Int) throws {
        let frames = rate / 2 + 3
        let input = LiveSignal.s16(frames: frames, channels: channels, rate: rate)
        var bytes = LiveSignal.bytes(input)
        bytes.append(contentsOf: [1, 2, 3].prefix(2 * channels - 1))  // a partial frame at EOF: dropped
        let fd = Self.pipe(writing: bytes, piece: piece)
        defer { close(fd) }
        let source = try PipeAudioSource(descriptor: fd, inputRate: rate, channels: channels, sampleRate: sampleRate)
        let (captured, ended) = try LiveSignal.read(source)
        #expect(ended)
        let expected = try LiveSignal.resampled(LiveSignal.mono(s16: input, channels: channels), rate: rate, to: sampleRate,
                                                finish: true)
        #expect(captured.count == expected.count)
        #expect(LiveSignal.maxAbsDiff(captured[...], expected[...]) == 0)
    }

    /// A quiet writer: `read` returns 0 after the poll interval instead of blocking.
    @Test func quietPipeReturnsNothingPromptly() throws {
        var fds: [Int32] = [0, 0]
        #expect(Glibc.pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let source = try PipeAudioSource(descriptor: fds[0], inputRate: 48000, channels: 2, sampleRate: 16000)
        try source.open()
        var buffer = [Float](repeating: 0, count: 1600)
        let t0 = monotonic()
        let n = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }
        let waited = monotonic() - t0
        #expect(n == 0)
        #expect(waited >= 0.04 && waited < 0.2)
    }

    /// Through the capture loop: started, the samples in the ring, ended without a reason.
    @Test func captureLoopReportsStartedAndEnded() throws {
        let rate = 48000, channels = 2
        let input = LiveSignal.s16(frames: rate, channels: channels, rate: rate)
        let fd = Self.pipe(writing: LiveSignal.bytes(input), piece: 19200, pauseMicroseconds: 20_000)
        defer { close(fd) }
        let ring = SampleRing(capacity: 1 << 16)
        let log = SourceEventRecorder()
        let loop = CaptureLoop(name: "stdin:48000:2", ring: ring, makeSource: { () throws(AudioSourceError) in
            try PipeAudioSource(descriptor: fd, inputRate: rate, channels: channels, sampleRate: 16000)
        }, onEvent: log.append)
        try loop.start()
        defer { loop.stop() }
        let ended = try #require(log.wait(for: .ended, timeout: 10))
        #expect(ended.event.reason == nil)
        #expect(log.states == [.started, .ended])
        #expect(ended.event.source == "stdin:48000:2")
        var captured: [Float] = []
        ring.read(appendingTo: &captured, maxCount: ring.available)
        let expected = try LiveSignal.resampled(LiveSignal.mono(s16: input, channels: channels), rate: rate, finish: true)
        #expect(LiveSignal.maxAbsDiff(captured[...], expected[...]) == 0)
        #expect(loop.counters.samples == expected.count)
        #expect(loop.stop(timeout: 1))
        #expect(!loop.isRunning)
    }

    @Test func badDescriptorFailsOnRead() throws {
        let source = try PipeAudioSource(descriptor: 987, inputRate: 16000, channels: 1, sampleRate: 16000)
        try source.open()
        var buffer = [Float](repeating: 0, count: 1600)
        #expect {
            _ = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }
        } throws: { error in
            (error as! AudioSourceError).kind == .failed
        }
    }
}
