import CALSA
import Glibc

// The ALSA seam: the only file that imports CALSA. alsa-lib returns negative errno values; calls
// are retried on -EINTR here, and other failures become an `ALSAError` carrying the code and the
// call, worded by snd_strerror. `snd_pcm_hw_params_alloca` and `snd_pcm_status_alloca` are macros
// Swift cannot see, so their `_malloc`/`_free` forms are used (once per open, never per read).
// alsa-lib's own stderr messages are silenced for the process (CALSA's shim, installed before the
// first call): the first one a failing call printed is kept in its `ALSAError.detail` instead, so it
// reaches the journal with the source's `lost` event, once per episode, not once per reopen.

/// A failed alsa-lib call: `code` is the negative errno it returned.
struct ALSAError: Error, Equatable {
    var code: Int32
    var operation: String
    /// What alsa-lib itself reported during the call (its error handler's first message), e.g.
    /// `Cannot get card index for 9`; nil when it said nothing.
    var detail: String? = nil

    var message: String { String(cString: snd_strerror(code)) }
}

/// alsa-lib's error printer, silenced once for the process (`moodd_alsa_silence_errors`).
enum ALSALibraryMessages {
    /// Evaluated once, before the first alsa-lib call that can report (see `ALSACapturePCM.init`).
    static let silenced: Void = { _ = moodd_alsa_silence_errors() }()

    /// Runs `call` with this thread's kept message cleared; returns its result and the first message
    /// alsa-lib reported during it (one line, nil if none).
    static func capturing<R>(_ call: () -> R) -> (result: R, message: String?) {
        moodd_alsa_clear_message()
        let result = call()
        let text = String(cString: moodd_alsa_message_text())
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return (result, line.isEmpty ? nil : line)
    }
}

/// The sample formats the capture source accepts, in order of preference.
enum ALSASampleFormat: CaseIterable {
    case s16, float32, s32

    fileprivate var raw: snd_pcm_format_t {
        switch self {
        case .s16: SND_PCM_FORMAT_S16_LE
        case .float32: SND_PCM_FORMAT_FLOAT_LE
        case .s32: SND_PCM_FORMAT_S32_LE
        }
    }

    var bytes: Int { self == .s16 ? 2 : 4 }
}

/// An ALSA PCM opened for interleaved capture, non-blocking (reads wait in `wait`, with a timeout,
/// so a stop request is seen within one timeout).
///
/// Threading: one owner.
final class ALSACapturePCM {
    private let pcm: OpaquePointer
    let format: ALSASampleFormat
    /// Hz and channels the device agreed to (set_rate_near / set_channels_near).
    let rate: Int
    let channels: Int
    /// Frames per period and in the whole buffer.
    let periodFrames: Int
    let bufferFrames: Int

    /// Opens `device` and negotiates: the first of S16_LE, FLOAT_LE, S32_LE the device takes, the
    /// channel count nearest `channels`, the rate nearest `rate`, periods near `periodFrames` and a
    /// buffer near `bufferFrames`. Then prepares and starts the stream.
    init(device: String, rate: Int, channels: Int, periodFrames: Int, bufferFrames: Int) throws(ALSAError) {
        _ = ALSALibraryMessages.silenced
        var handle: OpaquePointer?
        try Self.check("snd_pcm_open") { snd_pcm_open(&handle, device, SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK) }
        guard let handle else { throw ALSAError(code: -ENODEV, operation: "snd_pcm_open") }
        pcm = handle
        var params: OpaquePointer?
        do throws(ALSAError) {
            try Self.check("snd_pcm_hw_params_malloc") { snd_pcm_hw_params_malloc(&params) }
            defer { snd_pcm_hw_params_free(params) }
            try Self.check("snd_pcm_hw_params_any") { snd_pcm_hw_params_any(handle, params) }
            try Self.check("snd_pcm_hw_params_set_access") {
                snd_pcm_hw_params_set_access(handle, params, SND_PCM_ACCESS_RW_INTERLEAVED)
            }
            guard let chosen = ALSASampleFormat.allCases.first(where: {
                snd_pcm_hw_params_test_format(handle, params, $0.raw) == 0
            }) else {
                throw ALSAError(code: -EINVAL, operation: "snd_pcm_hw_params_test_format (S16_LE, FLOAT_LE, S32_LE)")
            }
            format = chosen
            try Self.check("snd_pcm_hw_params_set_format") { snd_pcm_hw_params_set_format(handle, params, chosen.raw) }
            var ch = UInt32(channels)
            try Self.check("snd_pcm_hw_params_set_channels_near") { snd_pcm_hw_params_set_channels_near(handle, params, &ch) }
            var r = UInt32(rate)
            var dir: Int32 = 0
            try Self.check("snd_pcm_hw_params_set_rate_near") { snd_pcm_hw_params_set_rate_near(handle, params, &r, &dir) }
            var period = snd_pcm_uframes_t(periodFrames)
            try Self.check("snd_pcm_hw_params_set_period_size_near") {
                snd_pcm_hw_params_set_period_size_near(handle, params, &period, &dir)
            }
            var buffer = snd_pcm_uframes_t(max(bufferFrames, Int(period) * 2))
            try Self.check("snd_pcm_hw_params_set_buffer_size_near") {
                snd_pcm_hw_params_set_buffer_size_near(handle, params, &buffer)
            }
            try Self.check("snd_pcm_hw_params") { snd_pcm_hw_params(handle, params) }
            snd_pcm_hw_params_get_period_size(params, &period, &dir)
            snd_pcm_hw_params_get_buffer_size(params, &buffer)
            self.rate = Int(r)
            self.channels = Int(ch)
            self.periodFrames = Int(period)
            self.bufferFrames = Int(buffer)
            try Self.check("snd_pcm_start") { snd_pcm_start(handle) }
        } catch {
            snd_pcm_close(handle)
            throw error
        }
    }

    deinit { snd_pcm_close(pcm) }

    /// Waits up to `milliseconds` for a period (snd_pcm_wait): true when frames are ready, false
    /// on timeout. Throws the error code for the recovery logic (-EPIPE, -ESTRPIPE, -ENODEV, ...).
    func wait(milliseconds: Int32) throws(ALSAError) -> Bool {
        while true {
            let r = snd_pcm_wait(pcm, milliseconds)
            if r == -EINTR { continue }
            if r < 0 { throw ALSAError(code: r, operation: "snd_pcm_wait") }
            return r > 0
        }
    }

    /// Reads up to `frames` interleaved frames (snd_pcm_readi); returns the count, 0 when none are
    /// ready (-EAGAIN).
    func read(into buffer: UnsafeMutableRawPointer, frames: Int) throws(ALSAError) -> Int {
        while true {
            let r = snd_pcm_readi(pcm, buffer, snd_pcm_uframes_t(frames))
            if r == -Int(EINTR) { continue }
            if r == -Int(EAGAIN) { return 0 }
            if r < 0 { throw ALSAError(code: Int32(r), operation: "snd_pcm_readi") }
            return r
        }
    }

    /// snd_pcm_prepare then snd_pcm_start: restarts capture after an overrun.
    func prepareAndStart() throws(ALSAError) {
        try Self.check("snd_pcm_prepare") { snd_pcm_prepare(pcm) }
        try Self.check("snd_pcm_start") { snd_pcm_start(pcm) }
    }

    /// snd_pcm_resume after a suspend; returns its result code (0, -EAGAIN while the hardware is
    /// still waking, -ENOSYS when the device cannot resume).
    func resume() -> Int32 {
        snd_pcm_resume(pcm)
    }

    /// The PCM's state (snd_pcm_state), mapped for `ALSARecovery`.
    var state: ALSARecovery.PCMState {
        switch snd_pcm_state(pcm) {
        case SND_PCM_STATE_OPEN, SND_PCM_STATE_SETUP: .setup
        case SND_PCM_STATE_PREPARED, SND_PCM_STATE_RUNNING, SND_PCM_STATE_DRAINING: .running
        case SND_PCM_STATE_XRUN: .xrun
        case SND_PCM_STATE_PAUSED: .paused
        case SND_PCM_STATE_SUSPENDED: .suspended
        default: .disconnected
        }
    }

    /// snd_pcm_pause(0): un-pauses a stream something else paused.
    func unpause() throws(ALSAError) {
        try Self.check("snd_pcm_pause") { snd_pcm_pause(pcm, 0) }
    }

    /// Seconds since an overrun began, from snd_pcm_status (now - trigger time, as aplay reports
    /// "overrun!!! (at least N ms long)"); nil when the stream is not in XRUN or status fails.
    func overrunSeconds() -> Double? {
        var status: OpaquePointer?
        guard snd_pcm_status_malloc(&status) == 0, let status else { return nil }
        defer { snd_pcm_status_free(status) }
        guard snd_pcm_status(pcm, status) == 0, snd_pcm_status_get_state(status) == SND_PCM_STATE_XRUN else { return nil }
        var now = snd_htimestamp_t(), trigger = snd_htimestamp_t()
        snd_pcm_status_get_htstamp(status, &now)
        snd_pcm_status_get_trigger_htstamp(status, &trigger)
        let seconds = Double(now.tv_sec - trigger.tv_sec) + Double(now.tv_nsec - trigger.tv_nsec) / 1e9
        return seconds >= 0 ? seconds : nil
    }

    private static func check(_ operation: String, _ call: () -> Int32) throws(ALSAError) {
        while true {
            let (r, message) = ALSALibraryMessages.capturing(call)
            if r == -EINTR { continue }
            if r < 0 { throw ALSAError(code: r, operation: operation, detail: message) }
            return
        }
    }
}
