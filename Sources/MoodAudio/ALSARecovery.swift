import Glibc

/// What to do when an ALSA capture call fails: a pure function of the error and the PCM's state,
/// after MPD's `AlsaInputPlugin::Recover`, run by `ALSAAudioSource`.
///
/// - -EINTR, -EAGAIN: nothing happened; read again.
/// - -EPIPE (overrun: the buffer filled before we read): count the lost frames, snd_pcm_prepare and
///   snd_pcm_start, read again.
/// - -ESTRPIPE (the system suspended): snd_pcm_resume until it stops answering -EAGAIN (the
///   hardware is still waking; at most `maxResumeAttempts` tries, `resumePause` apart); if it
///   then fails (-ENOSYS: the device cannot resume), prepare and start instead.
/// - -ENODEV, -EBADFD, -EIO and anything else: the device is gone (unplugged, the server behind a
///   plugin died): the source is lost and the capture loop reopens it with backoff.
/// Errors from other calls are looked at through the PCM's state, as MPD does: PAUSED -> unpause,
/// SUSPENDED -> resume, SETUP/XRUN -> prepare, RUNNING -> read again, DISCONNECTED -> lost.
struct ALSARecovery: Equatable {
    enum PCMState: Equatable { case setup, running, xrun, paused, suspended, disconnected }

    enum Action: Equatable {
        /// Read again.
        case read
        /// An overrun: count it, then snd_pcm_prepare + snd_pcm_start, then read again.
        case recoverOverrun
        /// snd_pcm_prepare + snd_pcm_start (after a failed resume or a stream left in SETUP).
        case prepare
        /// snd_pcm_resume, report its result with `resumed(result:)`.
        case resume
        /// Sleep `resumePause` seconds, then snd_pcm_resume again.
        case pauseThenResume
        /// snd_pcm_pause(0).
        case unpause
        /// Give up on this handle: the device is gone.
        case lost
    }

    /// Tries of snd_pcm_resume while it answers -EAGAIN; 100 x 10 ms = 1 s.
    static let maxResumeAttempts = 100
    /// Seconds.
    static let resumePause = 0.01

    private(set) var resumeAttempts = 0

    /// The first step after an error `code` (a negative errno) from snd_pcm_readi / snd_pcm_wait.
    mutating func failed(code: Int32, state: PCMState) -> Action {
        switch -code {
        case EINTR, EAGAIN: return .read
        case EPIPE: return .recoverOverrun
        case ESTRPIPE:
            resumeAttempts = 0
            return .resume
        case ENODEV, EBADFD, EIO: return .lost
        default:
            switch state {
            case .running: return .read
            case .xrun, .setup: return .prepare
            case .paused: return .unpause
            case .suspended:
                resumeAttempts = 0
                return .resume
            case .disconnected: return .lost
            }
        }
    }

    /// The next step after snd_pcm_resume returned `result`.
    mutating func resumed(result: Int32) -> Action {
        if result == 0 { return .read }
        if result == -EAGAIN {
            resumeAttempts += 1
            return resumeAttempts < Self.maxResumeAttempts ? .pauseThenResume : .prepare
        }
        return .prepare
    }
}
