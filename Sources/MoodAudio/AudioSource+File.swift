import MoodCore
import MoodSystem

/// An audio file as a source (`file:PATH`, `file+loop:PATH`, `file+unpaced:PATH`): decoded by
/// `AudioFileDecoder` at `sampleRate` (so the samples are librosa's), delivered in blocks of 20 ms.
///
/// Paced (the default), block k is returned no earlier than `open time + (end of block k) / sampleRate s`
/// on CLOCK_MONOTONIC, as a live device would deliver it; sleeping is done inside `read` (at most
/// one block's length). The clock runs on across loops, so a looped file is a continuous stream.
/// Unpaced, blocks come as fast as the decoder makes them. With `loop` the file starts again at its
/// end; otherwise `read` returns nil there. Any open or decode error is `.failed`.
public final class FileAudioSource: AudioSource {
    public let description: String
    public let path: String
    public let loop: Bool
    public let paced: Bool
    /// Hz of the samples delivered.
    public let sampleRate: Int
    public let overruns = 0
    public let lostFrames = 0
    /// Times the file has been started from the top since `open` (1 after `open`).
    public private(set) var passes = 0

    /// Samples per block: 20 ms at `sampleRate`.
    let blockSamples: Int

    private var decoder: AudioFileDecoder?
    private var delivered = 0  // samples returned since open
    private var startTime = 0.0  // CLOCK_MONOTONIC seconds at open
    private var ended = false

    /// `sampleRate` in `AudioFileDecoder.outputSampleRates`: the model's.
    public init(path: String, sampleRate: Int, loop: Bool = false, paced: Bool = true) throws(AudioSourceError) {
        description = SourceSpec.file(path: path, loop: loop, paced: paced).description
        guard !path.isEmpty else { throw AudioSourceError(source: description, kind: .failed, detail: "empty path") }
        guard AudioFileDecoder.outputSampleRates.contains(sampleRate) else {
            throw AudioSourceError(source: description, kind: .failed, detail: MonoConverter.rateProblem(sampleRate))
        }
        self.path = path
        self.sampleRate = sampleRate
        blockSamples = sampleRate / 50
        self.loop = loop
        self.paced = paced
    }

    public func open() throws(AudioSourceError) {
        close()
        decoder = try makeDecoder()
        passes = 1
        delivered = 0
        ended = false
        startTime = SystemClock.now.seconds
    }

    public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioSourceError) -> Int? {
        if ended { return nil }
        guard let decoder else { throw AudioSourceError(source: description, kind: .failed, detail: "read before open") }
        let room = UnsafeMutableBufferPointer(rebasing: buffer[..<min(buffer.count, blockSamples)])
        var n = try decode(decoder, into: room)
        if n == 0 && loop {
            let next = try makeDecoder()
            self.decoder = next
            passes += 1
            n = try decode(next, into: room)
        }
        if n == 0 {
            ended = true
            return nil
        }
        delivered += n
        if paced { sleep(until: startTime + Double(delivered) / Double(sampleRate)) }
        return n
    }

    public func close() {
        decoder = nil
    }

    private func makeDecoder() throws(AudioSourceError) -> AudioFileDecoder {
        do {
            return try AudioFileDecoder(path: path, sampleRate: sampleRate)
        } catch {
            throw AudioSourceError(source: description, kind: .failed, detail: error.description)
        }
    }

    private func decode(_ decoder: AudioFileDecoder, into room: UnsafeMutableBufferPointer<Float>)
        throws(AudioSourceError) -> Int
    {
        do {
            return try decoder.read(into: room)
        } catch {
            throw AudioSourceError(source: description, kind: .failed, detail: error.description)
        }
    }

    private func sleep(until deadline: Double) {
        SystemClock.sleep(seconds: deadline - SystemClock.now.seconds)
    }
}
