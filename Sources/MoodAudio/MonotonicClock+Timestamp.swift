import MoodCore
import MoodSystem

extension MonotonicClock {
    /// The wall time now, as the `time` of an event.
    public var wallTime: Timestamp { Timestamp(millisecondsSinceEpoch: wallMilliseconds) }
}
