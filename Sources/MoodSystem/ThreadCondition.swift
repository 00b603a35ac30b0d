#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// A mutex and a condition variable on `CLOCK_MONOTONIC`: how a dedicated thread waits for a
/// deadline or for another thread's word (stop, room in the ring) without polling.
///
/// The state it guards lives with the owner; read and change it only inside `withLock`, and call
/// `broadcast` there after changing it, so no waiter misses the change.
public final class ThreadCondition: @unchecked Sendable {
    // @unchecked: `mutex` and `condition` are pthread objects, used only through pthread calls.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)  // deadlines are SystemClock instants
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    public func withLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Wakes every thread waiting on this condition. Call inside `withLock`, after the change.
    public func broadcast() {
        pthread_cond_broadcast(condition)
    }

    /// Inside `withLock`: blocks until a `broadcast` or until `deadline` on `CLOCK_MONOTONIC` (nil:
    /// no deadline); false when the deadline passed. May return early (spurious wakeup).
    @discardableResult
    public func wait(until deadline: MonotonicInstant?) -> Bool {
        guard let deadline else {
            pthread_cond_wait(condition, mutex)
            return true
        }
        var wake = timespec(tv_sec: Int(deadline.nanoseconds / 1_000_000_000), tv_nsec: Int(deadline.nanoseconds % 1_000_000_000))
        return pthread_cond_timedwait(condition, mutex, &wake) != ETIMEDOUT
    }
}
