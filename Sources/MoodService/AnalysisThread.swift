#if canImport(Glibc)
import Glibc
#endif

/// A dedicated pthread for the analysis loop. Inference is milliseconds of BLAS per window, back to
/// back for a batch source. On Swift's cooperative pool it would hold one of only two threads on a
/// 2-core station, away from the log writer and every other task. Here it holds its own.
///
/// The loop waits between windows with `nap(until:)`, which `stop()` cuts short: graceful shutdown
/// interrupts a wait, never an analysis in flight.
final class AnalysisThread: @unchecked Sendable {
    // @unchecked: `mutex` and `condition` are pthread objects used only through pthread calls, and
    // `stopping` is read and written only with `mutex` held.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var stopping = false

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)  // naps are on the monotonic clock
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Seconds on `CLOCK_MONOTONIC`, the clock `nap(until:)` takes.
    static func now() -> Double {
        Double(Clocks.monotonicNanoseconds()) / 1e9
    }

    /// Runs `body` on a new thread and returns (or rethrows) when it has finished.
    func run(_ body: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let job = Unmanaged.passRetained(Job(body: body, continuation: continuation)).toOpaque()
            var thread = pthread_t()
            let rc = pthread_create(&thread, nil, { context in
                let job = Unmanaged<Job>.fromOpaque(context!).takeRetainedValue()
                do {
                    try job.body()
                    job.continuation.resume()
                } catch {
                    job.continuation.resume(throwing: error)
                }
                return nil
            }, job)
            if rc == 0 {
                pthread_detach(thread)
            } else {
                Unmanaged<Job>.fromOpaque(job).release()
                continuation.resume(throwing: SystemError(code: rc, operation: "pthread_create (analysis thread)"))
            }
        }
    }

    /// True once `stop()` was called.
    var isStopping: Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return stopping
    }

    /// Ends the current and every later `nap`. Any thread, any number of times.
    func stop() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Waits until `deadline` (seconds, `now()`'s clock) or `stop()`; false when stopping.
    func nap(until deadline: Double) -> Bool {
        var wake = timespec()
        let whole = deadline.rounded(.down)
        wake.tv_sec = Int(whole)
        wake.tv_nsec = Int((deadline - whole) * 1e9)
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !stopping {
            if pthread_cond_timedwait(condition, mutex, &wake) == ETIMEDOUT { break }
        }
        return !stopping
    }

    private final class Job {
        let body: @Sendable () throws -> Void
        let continuation: CheckedContinuation<Void, any Error>
        init(body: @escaping @Sendable () throws -> Void, continuation: CheckedContinuation<Void, any Error>) {
            self.body = body
            self.continuation = continuation
        }
    }
}
