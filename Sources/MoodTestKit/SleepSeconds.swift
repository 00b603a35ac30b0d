import MoodSystem

/// Blocks the calling thread for `seconds` of real time (`nanosleep`, resumed after signals).
public func sleepSeconds(_ seconds: Double) {
    SystemClock.sleep(seconds: seconds)
}
