/// Why a live source could not open, stopped delivering, or failed.
///
/// `description` is one line: `pulse:spk.monitor: source lost (pa_simple_read: Connection terminated)`.
/// `kind` tells the capture loop whether reopening may help (`isRetryable`).
public struct AudioSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Could not open, but it may work later: the sound server is not running, the device is
        /// unplugged or busy. Retried with backoff.
        case unavailable
        /// Was delivering and is gone: the server died, the device was unplugged (ENODEV, EBADFD,
        /// EIO). Retried with backoff.
        case lost
        /// Retrying cannot help: a missing or undecodable file, a format or rate the device refuses,
        /// a read error on a pipe, a bad parameter.
        case failed
    }

    /// The source's spec text (`alsa:hw:1,0`, `file:song.mp3`).
    public var source: String
    public var kind: Kind
    /// The C library's or system's words with the call that failed, e.g. `snd_pcm_readi: No such device (-19)`.
    public var detail: String

    public init(source: String, kind: Kind, detail: String) {
        self.source = source
        self.kind = kind
        self.detail = detail
    }

    public var isRetryable: Bool { kind != .failed }

    public var description: String {
        let what = switch kind {
        case .unavailable: "source unavailable"
        case .lost: "source lost"
        case .failed: "source failed"
        }
        return "\(source): \(what) (\(detail))".split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
