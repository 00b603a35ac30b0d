import MoodCore

/// A live or streamed source of mono `Float` samples (full scale +-1.0) at the rate it was made for
/// (`sampleRate`, the model's): PulseAudio, ALSA, an audio file, or raw PCM on a file descriptor. The four implementations are siblings:
/// `PulseAudioSource`, `ALSAAudioSource`, `FileAudioSource`, `PipeAudioSource`.
///
/// Life: `open` -> `read`... -> `close`, and again: after a failure the capture loop closes the
/// source and opens it again later (counters keep counting across reopens).
///
/// Threading contract: one owner thread does everything (the capture thread). Implementations are
/// classes holding C handles and scratch buffers; none is `Sendable`. The counters are plain
/// properties read on that thread (the capture loop republishes them atomically).
public protocol AudioSource: AnyObject {
    /// The spec it was made from, e.g. `pulse:@DEFAULT_MONITOR@`; errors and events name it.
    var description: String { get }
    /// Hz of the samples `read` returns, whatever the device, server, file or pipe delivers: the rate
    /// it was made for (the model's `input.sampleRate`, within `AudioFileDecoder.outputSampleRates`),
    /// reached by the same mixdown and libsoxr resampling as `AudioFileDecoder`'s.
    var sampleRate: Int { get }

    /// Connects to the server / opens the device or file and starts capturing. Opening an open
    /// source closes it first.
    func open() throws(AudioSourceError)

    /// Writes the next samples to the start of `buffer` and returns how many: > 0 samples; 0 when
    /// nothing arrived within a short wait (at most ~50 ms, so the caller can check for a stop
    /// request); nil at the clean end of the stream (end of file, EOF on the pipe), after which it
    /// keeps returning nil until reopened. No allocation. Throws `.lost` when a live source goes
    /// away. `buffer` should hold at least `AudioSources.readCapacity(sampleRate:)` samples.
    func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioSourceError) -> Int?

    /// Releases the device / connection / file. Idempotent; never throws.
    func close()

    /// Overruns the device or server reported (ALSA xruns), since creation.
    var overruns: Int { get }
    /// Samples (at `sampleRate`) lost to those overruns, since creation.
    var lostFrames: Int { get }
}

/// Shared constants of the sources.
public enum AudioSources {
    /// Samples a caller's read buffer should hold for a source at `sampleRate` Hz: 100 ms, more than
    /// one read returns (a read is at most one 20-ms block, fragment or period).
    public static func readCapacity(sampleRate: Int) -> Int {
        max(1, sampleRate / 10)
    }
    /// The longest a `read` blocks waiting for data before returning 0, seconds.
    public static let pollInterval = 0.05

    /// Makes (does not open) the source a spec names, delivering `sampleRate` Hz (the model's
    /// `input.sampleRate`). `pulseServer` (e.g. `unix:/run/pulse/native`) overrides `$PULSE_SERVER`
    /// for `pulse` specs; `stdinDescriptor` is the descriptor `stdin` specs read (0 unless a test
    /// passes a pipe).
    public static func make(_ spec: SourceSpec, sampleRate: Int, pulseServer: String? = nil, stdinDescriptor: Int32 = 0)
        throws(AudioSourceError) -> any AudioSource
    {
        switch spec {
        case .pulse(let source):
            return try PulseAudioSource(source: source, sampleRate: sampleRate, server: pulseServer)
        case .alsa(let device):
            return try ALSAAudioSource(device: device, sampleRate: sampleRate)
        case .file(let path, let loop, let paced):
            return try FileAudioSource(path: path, sampleRate: sampleRate, loop: loop, paced: paced)
        case .stdin(let rate, let channels):
            return try PipeAudioSource(descriptor: stdinDescriptor, inputRate: rate, channels: channels,
                                       sampleRate: sampleRate, name: spec.description)
        }
    }
}
