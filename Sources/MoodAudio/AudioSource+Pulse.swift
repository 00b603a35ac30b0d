/// Captures from a PulseAudio source (or PipeWire's pulse server) through libpulse-simple:
/// `pulse:@DEFAULT_MONITOR@` is the loopback of whatever the machine plays.
///
/// Records float32le at `captureRate` (48 kHz: what desktop sinks run at, so the server does not
/// resample) with `captureChannels` channels (2: a stereo monitor arrives unmixed, and the mean
/// here equals librosa's), in fragments of `fragmentSeconds`, then mixes down by the mean and
/// resamples to `sampleRate` (the model's) with `Resampler`: the server is not asked for the model's
/// rate, so its resampler (speex, not librosa's soxr_hq) never touches the samples. Each `read`
/// blocks for one fragment (20 ms).
///
/// A server that dies, or a source that disappears, makes `read` throw `.lost`; a server that is
/// not there at `open` throws `.unavailable`. Both are retried by the capture loop.
/// PulseAudio drops input itself when a client falls behind (no overrun report through the simple
/// API), so `overruns` and `lostFrames` stay 0 here.
public final class PulseAudioSource: AudioSource {
    public let description: String
    /// The source name; nil: the server's default source.
    public let device: String?
    /// `unix:/path` or a host; nil: $PULSE_SERVER, then libpulse's default.
    public let server: String?
    /// Hz and channels asked of the server.
    public let captureRate: Int
    public let captureChannels: Int
    /// Hz of the samples delivered.
    public let sampleRate: Int
    /// Seconds per fragment (pa_buffer_attr.fragsize) and per read.
    public let fragmentSeconds: Double
    public private(set) var overruns = 0
    public private(set) var lostFrames = 0

    private let fragmentFrames: Int
    private let interleaved: UnsafeMutablePointer<Float>  // [fragmentFrames * captureChannels]
    private let converter: MonoConverter
    private var stream: PulseRecordStream?

    /// Capture rates 8000...192000 Hz, 1...8 channels, fragments 5 ms...0.5 s, `sampleRate` (delivered,
    /// the model's) in `AudioFileDecoder.outputSampleRates`; validated here.
    public init(source device: String?, sampleRate: Int, server: String? = nil, captureRate: Int = 48000,
                captureChannels: Int = 2, fragmentSeconds: Double = 0.02) throws(AudioSourceError) {
        description = device.map { "pulse:\($0)" } ?? "pulse"
        guard (8000...192_000).contains(captureRate), (1...8).contains(captureChannels),
              fragmentSeconds >= 0.005, fragmentSeconds <= 0.5 else {
            throw AudioSourceError(source: description, kind: .failed,
                                   detail: "\(captureChannels) channels at \(captureRate) Hz, \(fragmentSeconds) s fragments")
        }
        self.device = device
        self.server = server
        self.captureRate = captureRate
        self.captureChannels = captureChannels
        self.fragmentSeconds = fragmentSeconds
        self.sampleRate = sampleRate
        fragmentFrames = max(1, Int((Double(captureRate) * fragmentSeconds).rounded()))
        converter = try MonoConverter(inputRate: captureRate, outputRate: sampleRate, channels: captureChannels,
                                      maxFrames: fragmentFrames, source: description)
        interleaved = .allocate(capacity: fragmentFrames * captureChannels)
    }

    deinit { interleaved.deallocate() }

    public func open() throws(AudioSourceError) {
        close()
        do {
            try converter.reset()
            stream = try PulseRecordStream(
                server: server, device: device, clientName: "moodd", rate: UInt32(captureRate),
                channels: UInt8(captureChannels),
                fragmentBytes: UInt32(fragmentFrames * captureChannels * MemoryLayout<Float>.size))
        } catch let error as PulseError {
            throw AudioSourceError(source: description, kind: error.isTransient ? .unavailable : .failed,
                                   detail: "\(error.operation): \(error.message)")
        } catch {
            throw AudioSourceError(source: description, kind: .failed, detail: "\(error)")
        }
    }

    /// Blocks for one fragment. Any pa_simple_read failure means the connection is gone: `.lost`.
    public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioSourceError) -> Int? {
        guard let stream else {
            throw AudioSourceError(source: description, kind: .failed, detail: "read before open")
        }
        do {
            let queued = try converter.drain(into: buffer)
            if queued > 0 { return queued }
        } catch {
            throw AudioSourceError(source: description, kind: .failed, detail: error.description)
        }
        do {
            try stream.read(into: interleaved, bytes: fragmentFrames * captureChannels * MemoryLayout<Float>.size)
        } catch {
            close()
            throw AudioSourceError(source: description, kind: .lost, detail: "\(error.operation): \(error.message)")
        }
        converter.mix(fragmentFrames, float: interleaved)
        do {
            return try converter.emit(into: buffer)
        } catch {
            throw AudioSourceError(source: description, kind: .failed, detail: error.description)
        }
    }

    public func close() {
        stream = nil
    }

    /// The server's estimate of the recording latency, seconds (pa_simple_get_latency): how long
    /// a sample waits between entering the source and reaching `read`. nil while closed.
    public func latencySeconds() -> Double? {
        guard let stream, let usec = try? stream.latency() else { return nil }
        return Double(usec) / 1e6
    }
}
