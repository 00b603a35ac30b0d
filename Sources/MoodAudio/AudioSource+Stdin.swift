import MoodSystem
import SystemPackage

/// Raw interleaved s16le PCM from a file descriptor (`stdin:RATE:CHANNELS` reads descriptor 0),
/// for pipelines such as `parec --format=s16le --rate=48000 --channels=2 | moodd run --source
/// stdin:48000:2`. Mean mixdown and `Resampler` to `sampleRate` (the model's); at EOF the resampler's tail is flushed
/// and `read` returns nil. A trailing partial frame at EOF is dropped.
///
/// Waits with poll(2) for at most `AudioSources.pollInterval`, so `read` returns 0 when the writer
/// is quiet. The descriptor is not closed by `close` (it belongs to the caller); an end, a read
/// error or a reopen after EOF is final: pipes do not come back (`.failed`).
public final class PipeAudioSource: AudioSource {
    public let description: String
    public let descriptor: Int32
    /// Hz and channels of the incoming PCM.
    public let inputRate: Int
    public let inputChannels: Int
    /// Hz of the samples delivered.
    public let sampleRate: Int
    public let overruns = 0
    public let lostFrames = 0

    private let frameBytes: Int
    private let chunkFrames: Int  // ~20 ms
    private let bytes: UnsafeMutableRawPointer  // [chunkFrames * frameBytes]
    private var carried = 0  // bytes of a partial frame kept at the start of `bytes`
    private let converter: MonoConverter
    private var phase = Phase.closed

    private enum Phase { case closed, streaming, flushing, ended }

    /// `inputRate` and `channels` (the PCM's) within `SourceSpec.stdinRates` / `stdinChannels`;
    /// `sampleRate` (delivered, the model's) in `AudioFileDecoder.outputSampleRates`. `name` is
    /// what errors and events call it (default `stdin:RATE:CHANNELS`, or `fd:N:...` for others).
    public init(descriptor: Int32 = 0, inputRate: Int, channels: Int, sampleRate: Int, name: String? = nil)
        throws(AudioSourceError)
    {
        description = name ?? (descriptor == 0 ? "stdin:\(inputRate):\(channels)" : "fd:\(descriptor):\(inputRate):\(channels)")
        guard descriptor >= 0 else {
            throw AudioSourceError(source: description, kind: .failed, detail: "descriptor \(descriptor)")
        }
        self.descriptor = descriptor
        self.inputRate = inputRate
        inputChannels = channels
        self.sampleRate = sampleRate
        frameBytes = 2 * channels
        chunkFrames = max(1, inputRate / 50)
        converter = try MonoConverter(inputRate: inputRate, outputRate: sampleRate, channels: channels, maxFrames: chunkFrames,
                                      source: description)
        bytes = .allocate(byteCount: chunkFrames * frameBytes, alignment: 16)
    }

    deinit { bytes.deallocate() }

    public func open() throws(AudioSourceError) {
        switch phase {
        case .closed:
            phase = .streaming
        case .streaming, .flushing:
            break
        case .ended:
            throw AudioSourceError(source: description, kind: .failed, detail: "the pipe has ended; it cannot be reopened")
        }
    }

    public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioSourceError) -> Int? {
        switch phase {
        case .closed:
            throw AudioSourceError(source: description, kind: .failed, detail: "read before open")
        case .ended:
            return nil
        case .flushing:
            let n = try converted { () throws(AudioError) in try converter.finish(into: buffer) }
            if n == 0 { phase = .ended }
            return n == 0 ? nil : n
        case .streaming:
            break
        }
        let queued = try converted { () throws(AudioError) in try converter.drain(into: buffer) }
        if queued > 0 { return queued }

        let fd = FileDescriptor(rawValue: descriptor)
        do {
            guard try fd.waitForInput(milliseconds: Int32(AudioSources.pollInterval * 1000)) else { return 0 }
        } catch {
            throw failure("poll", error)
        }
        let want = converter.framesToRead(forOutputCapacity: buffer.count) * frameBytes
        let got: Int
        do {
            got = try fd.read(into: UnsafeMutableRawBufferPointer(start: bytes + carried, count: want - carried))
        } catch {
            if error as? Errno == .resourceTemporarilyUnavailable { return 0 }
            throw failure("read", error)
        }
        if got == 0 {  // EOF
            phase = .flushing
            return 0
        }
        let total = carried + got
        let frames = total / frameBytes
        carried = total - frames * frameBytes
        guard frames > 0 else { return 0 }
        converter.mix(frames, s16: bytes.assumingMemoryBound(to: Int16.self))
        if carried > 0 { bytes.copyMemory(from: bytes + frames * frameBytes, byteCount: carried) }
        return try converted { () throws(AudioError) in try converter.emit(into: buffer) }
    }

    /// Nothing to release: the descriptor is the caller's. A closed pipe source that has not ended
    /// can be opened again and continues where it was.
    public func close() {
        if phase != .ended { phase = .closed }
    }

    private func converted(_ body: () throws(AudioError) -> Int) throws(AudioSourceError) -> Int {
        do {
            return try body()
        } catch {
            throw AudioSourceError(source: description, kind: .failed, detail: error.description)
        }
    }

    private func failure(_ operation: String, _ error: any Error) -> AudioSourceError {
        let code = error as? Errno ?? .ioError
        phase = .ended
        return AudioSourceError(source: description, kind: .failed,
                                detail: "\(operation): \(code.description) (errno \(code.rawValue))")
    }
}
