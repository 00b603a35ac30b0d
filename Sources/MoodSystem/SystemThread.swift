#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// The one place a dedicated thread is made (`pthread_create`): the capture loop and the analysis
/// loop block for milliseconds at a time (a device read, BLAS), which on Swift's cooperative pool
/// would hold one of only two threads on a 2-core station.
public enum SystemThread {
    /// Starts `body` on a new detached thread; `name` says which in the error if it cannot be created.
    public static func start(_ name: String, _ body: @escaping @Sendable () -> Void) throws(SystemError) {
        let job = Unmanaged.passRetained(Job(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { context in
            let job = Unmanaged<Job>.fromOpaque(context!).takeRetainedValue()
            job.body()
            return nil
        }, job)
        guard rc == 0 else {
            Unmanaged<Job>.fromOpaque(job).release()
            throw SystemError(code: rc, operation: "pthread_create (\(name))")
        }
        pthread_detach(thread)
    }

    /// Runs `body` on a new thread and returns (or rethrows) its result when it has finished.
    public static func run<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            do {
                try start(name) { continuation.resume(with: Result { try body() }) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    private final class Job {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }
}
