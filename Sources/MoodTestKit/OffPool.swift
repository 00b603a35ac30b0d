import MoodSystem

/// Runs blocking code (socket reads, `Command.run`, sleeps) on a thread of its own and awaits it.
///
/// Swift's cooperative pool has one thread per core (two here): a test that blocks one of them
/// starves every service under test in the same process, and a few such tests in parallel stop
/// them altogether. Blocking work goes through this instead (MoodSystem's one thread launcher).
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await SystemThread.run("test helper", body)
}
