import DequeModule

/// Admission for "try a file": at most `capacity` uploads in the house at once (being received,
/// waiting, or being classified), and one classification at a time. An upload past the capacity is
/// refused at once (before its body is read), so a crowd of uploads costs neither disk nor memory,
/// and the live view never waits for any of them.
public actor UploadQueue {
    public let capacity: Int
    public private(set) var admitted = 0
    private var running = false
    private var waiting: Deque<CheckedContinuation<Void, Never>> = []

    public init(capacity: Int) {
        precondition(capacity > 0, "UploadQueue capacity must be positive")
        self.capacity = capacity
    }

    /// Takes a place; false when all `capacity` places are taken. Every true is followed by `leave`.
    public func admit() -> Bool {
        guard admitted < capacity else { return false }
        admitted += 1
        return true
    }

    public func leave() {
        admitted -= 1
    }

    /// Runs `work` when no other classification runs (first come, first served).
    public func serially<T: Sendable>(_ work: @Sendable () async throws -> T) async rethrows -> T {
        if running {
            await withCheckedContinuation { waiting.append($0) }
        }
        running = true
        defer {
            if let next = waiting.popFirst() { next.resume() } else { running = false }
        }
        return try await work()
    }
}
