import MoodSystem

/// Waits until `condition` holds, polling every 5 ms; false after `timeout` seconds. Suspends between
/// polls, so it holds no thread of the cooperative pool.
///
/// Call it outside `#expect(...)` (`let settled = await eventually {...}; #expect(settled)`): with
/// Swift 6.3.1, a closure written inside a macro argument was compiled as a later closure of the
/// same function (observed: the second `eventually` of a test ran the first one's condition).
public func eventually(timeout: Double = 5, _ condition: @Sendable () -> Bool) async -> Bool {
    let deadline = SystemClock.now.advanced(bySeconds: timeout)
    while SystemClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

/// `eventually` for code already on a thread of its own (`offPool`): blocks the calling thread
/// between polls, so never call it from a task.
public func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = SystemClock.now.advanced(bySeconds: timeout)
    while SystemClock.now < deadline {
        if condition() { return true }
        SystemClock().sleep(seconds: 0.005)
    }
    return condition()
}
