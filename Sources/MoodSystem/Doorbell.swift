import Synchronization

/// How one side of a lock-free queue (the capture ring) sleeps until the other side has changed it,
/// without polling and without a lock on the ringer's side while nobody sleeps.
///
/// The ringer changes the shared state first, then calls `ring()`; the sleeper calls `wait`, which
/// re-checks its condition after announcing itself. A sequentially consistent fence on each side
/// (the Dekker pattern) means that either the ringer sees the sleeper and wakes it, or the sleeper
/// sees the change: no wakeup is lost. `ring()` costs a fence and an atomic load when nobody sleeps,
/// so the capture thread can call it after every block.
public final class Doorbell: @unchecked Sendable {
    // @unchecked: the condition's state is the caller's (the ring), read in `isReady`.
    private let condition = ThreadCondition()
    private let sleepers = Atomic<Int>(0)

    public init() {}

    /// Wakes every thread in `wait`, after the change it may wait for. Any thread.
    public func ring() {
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        guard sleepers.load(ordering: .relaxed) > 0 else { return }
        condition.withLock { condition.broadcast() }
    }

    /// Blocks until `isReady()` holds (checked after every ring) or `timeout` seconds of real time
    /// passed; returns `isReady()`. `isReady` reads what the ringer changes before it rings.
    public func wait(timeout: Double, until isReady: () -> Bool) -> Bool {
        if isReady() { return true }
        sleepers.add(1, ordering: .relaxed)
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        defer { sleepers.subtract(1, ordering: .relaxed) }
        let deadline = SystemClock.now.advanced(bySeconds: timeout)
        return condition.withLock {
            SystemClock().wait(condition, until: deadline, orUntil: isReady)
        }
    }
}
