#if canImport(Glibc)
import Glibc
#endif

/// Blocks the calling thread for `seconds` (`nanosleep`, resumed after signals).
public func sleepSeconds(_ seconds: Double) {
    guard seconds > 0 else { return }
    var ts = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
    var remaining = timespec()
    while nanosleep(&ts, &remaining) == -1 && errno == EINTR { ts = remaining }
}
