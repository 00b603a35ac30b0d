import Glibc
import MoodSystem

/// Captures from an ALSA PCM (`alsa:default`, `alsa:hw:1,0`, `alsa:plughw:CARD=USB,DEV=0`, or any
/// PCM an asoundrc defines), non-blocking with `snd_pcm_wait` timeouts of 50 ms.
///
/// Takes what the device offers: the first of S16_LE, FLOAT_LE, S32_LE it accepts, the channel
/// count nearest `captureChannels`, the rate nearest `captureRate`; then mean mixdown and
/// `Resampler` to `sampleRate` (the model's), as `AudioFileDecoder` does. The device is asked for
/// `captureRate`, not the model's rate: a `plug` PCM would otherwise convert with its own (linear)
/// resampler instead of librosa's soxr_hq. Periods of ~20 ms, a buffer of ~0.5 s (room for the
/// capture thread to be descheduled on a busy machine).
///
/// Errors follow `ALSARecovery`: overruns are recovered in place and counted (`overruns`,
/// `lostFrames` at `sampleRate` from the overrun's length), suspends resumed, a vanished device throws
/// `.lost`. An open that fails with ENOENT/ENODEV/EBUSY/EAGAIN/EIO/ENXIO (not plugged in, in use,
/// or a server behind a plugin not up) throws `.unavailable`; anything else `.failed`.
public final class ALSAAudioSource: AudioSource {
    public let description: String
    public let device: String
    /// What is asked of the device; what it gave is in `negotiated` while open.
    public let captureRate: Int
    public let captureChannels: Int
    /// Hz of the samples delivered.
    public let sampleRate: Int
    public private(set) var overruns = 0
    public private(set) var lostFrames = 0

    /// Format, Hz, channels, period and buffer frames the device agreed to; nil while closed.
    public var negotiated: (format: String, rate: Int, channels: Int, periodFrames: Int, bufferFrames: Int)? {
        guard let session else { return nil }
        let pcm = session.pcm
        return ("\(pcm.format)", pcm.rate, pcm.channels, pcm.periodFrames, pcm.bufferFrames)
    }

    /// What exists while open: the PCM, its scratch (sized from the negotiated period) and converter.
    private final class Session {
        let pcm: ALSACapturePCM
        let frames: UnsafeMutableRawPointer  // [periodFrames * channels] samples of pcm.format
        let converter: MonoConverter

        init(pcm: ALSACapturePCM, sampleRate: Int, source: String) throws(AudioSourceError) {
            self.pcm = pcm
            converter = try MonoConverter(inputRate: pcm.rate, outputRate: sampleRate, channels: pcm.channels,
                                          maxFrames: pcm.periodFrames, source: source)
            frames = .allocate(byteCount: pcm.periodFrames * pcm.channels * pcm.format.bytes, alignment: 16)
        }

        deinit { frames.deallocate() }
    }

    private var session: Session?
    private var recovery = ALSARecovery()

    /// `captureRate` 8000...384000 Hz, `captureChannels` 1...32, `sampleRate` (delivered, the model's) in
    /// `AudioFileDecoder.outputSampleRates`; validated here.
    public init(device: String = "default", sampleRate: Int, captureRate: Int = 48000, captureChannels: Int = 2)
        throws(AudioSourceError)
    {
        description = "alsa:\(device)"
        guard !device.isEmpty, (8000...384_000).contains(captureRate), (1...32).contains(captureChannels) else {
            throw AudioSourceError(source: description, kind: .failed,
                                   detail: "device \"\(device)\", \(captureChannels) channels at \(captureRate) Hz")
        }
        guard AudioFileDecoder.outputSampleRates.contains(sampleRate) else {
            throw AudioSourceError(source: description, kind: .failed, detail: MonoConverter.rateProblem(sampleRate))
        }
        self.sampleRate = sampleRate
        self.device = device
        self.captureRate = captureRate
        self.captureChannels = captureChannels
    }

    public func open() throws(AudioSourceError) {
        close()
        let pcm: ALSACapturePCM
        do {
            pcm = try ALSACapturePCM(device: device, rate: captureRate, channels: captureChannels,
                                     periodFrames: captureRate / 50, bufferFrames: captureRate / 2)
        } catch {
            let transient = [ENOENT, ENODEV, EBUSY, EAGAIN, EIO, ENXIO, EPIPE, ECONNREFUSED].contains(-error.code)
            throw AudioSourceError(source: description, kind: transient ? .unavailable : .failed, detail: Self.words(error))
        }
        session = try Session(pcm: pcm, sampleRate: sampleRate, source: description)
        recovery = ALSARecovery()
    }

    public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioSourceError) -> Int? {
        guard let session else { throw AudioSourceError(source: description, kind: .failed, detail: "read before open") }
        let converter = session.converter
        do {
            let queued = try converter.drain(into: buffer)
            if queued > 0 { return queued }
        } catch {
            throw AudioSourceError(source: description, kind: .failed, detail: error.description)
        }
        let pcm = session.pcm
        let frames: Int
        do {
            let want = converter.framesToRead(forOutputCapacity: buffer.count)
            var got = try pcm.read(into: session.frames, frames: want)
            if got == 0 {
                guard try pcm.wait(milliseconds: Int32(AudioSources.pollInterval * 1000)) else { return 0 }
                got = try pcm.read(into: session.frames, frames: want)
            }
            frames = got
        } catch {
            try recover(from: error, pcm: pcm)
            return 0
        }
        guard frames > 0 else { return 0 }
        switch pcm.format {
        case .s16: converter.mix(frames, s16: session.frames.assumingMemoryBound(to: Int16.self))
        case .s32: converter.mix(frames, s32: session.frames.assumingMemoryBound(to: Int32.self))
        case .float32: converter.mix(frames, float: session.frames.assumingMemoryBound(to: Float.self))
        }
        do {
            return try converter.emit(into: buffer)
        } catch {
            throw AudioSourceError(source: description, kind: .failed, detail: error.description)
        }
    }

    public func close() {
        session = nil
    }

    /// Runs `ALSARecovery`'s actions until it says read again or the device is lost.
    private func recover(from error: ALSAError, pcm: ALSACapturePCM) throws(AudioSourceError) {
        var action = recovery.failed(code: error.code, state: pcm.state)
        var last = error
        while true {
            switch action {
            case .read:
                return
            case .lost:
                close()
                throw AudioSourceError(source: description, kind: .lost, detail: Self.words(last))
            case .recoverOverrun:
                overruns += 1
                if let seconds = pcm.overrunSeconds() {
                    lostFrames += Int((seconds * Double(sampleRate)).rounded())
                }
                action = .prepare
            case .prepare:
                do {
                    try pcm.prepareAndStart()
                    action = .read
                } catch {
                    last = error
                    action = .lost
                }
            case .unpause:
                do {
                    try pcm.unpause()
                    action = .read
                } catch {
                    last = error
                    action = .prepare
                }
            case .resume:
                action = recovery.resumed(result: pcm.resume())
            case .pauseThenResume:
                SystemClock.sleep(seconds: ALSARecovery.resumePause)
                action = .resume
            }
        }
    }

    private static func words(_ error: ALSAError) -> String {
        "\(error.operation): \(error.message) (\(error.code))" + (error.detail.map { ", alsa-lib: \($0)" } ?? "")
    }
}
