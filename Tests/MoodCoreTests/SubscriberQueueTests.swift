import MoodCore
import Testing

@Suite struct SubscriberQueueTests {
    static func line(_ s: String) -> [UInt8] { Array((s + "\n").utf8) }

    @Test func wakesTheWriterOnlyForAnEmptyQueue() {
        var q = SubscriberQueue(maxEvents: 4, maxBytes: 1024)
        #expect(q.enqueue(Self.line("a")) == .wakeWriter)
        #expect(q.enqueue(Self.line("b")) == .queued)
        #expect(q.count == 2 && q.byteCount == 4)
    }

    @Test func partialWritesAdvanceThroughTheLines() {
        var q = SubscriberQueue(maxEvents: 4, maxBytes: 1024)
        _ = q.enqueue(Self.line("hello"))
        _ = q.enqueue(Self.line("world"))
        #expect(q.pending.map(Array.init) == Self.line("hello"))
        q.didWrite(2)
        #expect(q.pending.map(Array.init) == Array("llo\n".utf8))
        #expect(q.byteCount == 10)
        q.didWrite(4)
        #expect(q.pending.map(Array.init) == Self.line("world"))
        q.didWrite(6)
        #expect(q.pending == nil && q.isEmpty && q.byteCount == 0)
        #expect(q.enqueue(Self.line("again")) == .wakeWriter)
    }

    @Test func overflowingTheEventCountDisconnects() throws {
        var q = SubscriberQueue(maxEvents: 3, maxBytes: 1 << 20)
        for s in ["a", "b", "c"] { _ = q.enqueue(Self.line(s)) }
        guard case .disconnect(let farewell) = q.enqueue(Self.line("d")) else { Issue.record("no disconnect"); return }
        #expect(try MoodEvent(jsonLine: farewell) == .error("too slow: 3 events (6 bytes) waiting; disconnecting, reconnect to resynchronise"))
        #expect(q.isClosed && q.pending == nil && q.count == 0)
        #expect(q.enqueue(Self.line("e")) == .ignored)
    }

    @Test func overflowingTheByteBudgetDisconnects() {
        var q = SubscriberQueue(maxEvents: 100, maxBytes: 10)
        #expect(q.enqueue(Self.line("12345")) == .wakeWriter)
        #expect(q.enqueue(Self.line("123")) == .queued)  // 10 bytes: at the limit
        guard case .disconnect = q.enqueue(Self.line("")) else { Issue.record("no disconnect"); return }
    }

    @Test func theFarewellCompletesAPartlyWrittenLine() {
        var q = SubscriberQueue(maxEvents: 1, maxBytes: 1024)
        _ = q.enqueue(Self.line("{\"event\":\"mood\"}"))
        q.didWrite(5)
        guard case .disconnect(let farewell) = q.enqueue(Self.line("next")) else { Issue.record("no disconnect"); return }
        let text = String(decoding: farewell, as: UTF8.self)
        #expect(text.hasPrefix("nt\":\"mood\"}\n{\"event\":\"error\""))
        #expect(text.hasSuffix("}\n"))
    }

    @Test func aLineLargerThanTheBudgetStillFitsAnEmptyQueue() {
        var q = SubscriberQueue(maxEvents: 10, maxBytes: 8)
        #expect(q.enqueue([UInt8](repeating: 0x41, count: 100)) == .wakeWriter)
        guard case .disconnect = q.enqueue(Self.line("x")) else { Issue.record("no disconnect"); return }
    }

    /// A long run against a plain array model: order, byte counts and bounded storage hold throughout.
    @Test func matchesASimpleModelOverALongRun() {
        var q = SubscriberQueue(maxEvents: 64, maxBytes: 1 << 20)
        var model: [[UInt8]] = []
        var received: [UInt8] = []
        var expected: [UInt8] = []
        var rng = SystemRandomNumberGenerator()
        for i in 0..<20_000 {
            if model.count < 60, Bool.random(using: &rng) {
                let l = Self.line("event \(i)")
                let action = q.enqueue(l)
                #expect(action == (model.isEmpty ? .wakeWriter : .queued))
                model.append(l)
                expected += l
            } else if let pending = q.pending {
                let n = Int.random(in: 0...pending.count, using: &rng)
                received += pending.prefix(n)
                q.didWrite(n)
                if n == pending.count { model.removeFirst() }
            }
            #expect(q.count == model.count)
        }
        while let pending = q.pending { received += pending; q.didWrite(pending.count) }
        #expect(received == expected)
    }
}

@Suite struct SubscriberQueueReplyRoomTests {
    /// Replies may use half the queue, in lines and in bytes; the other half is for published events.
    @Test func repliesHaveHalfTheQueue() {
        var queue = SubscriberQueue(maxEvents: 8, maxBytes: 1000)
        for _ in 0..<4 {
            #expect(queue.hasRoomForReplies)
            _ = queue.enqueue([UInt8](repeating: 0x41, count: 10))
        }
        #expect(!queue.hasRoomForReplies)
        queue.didWrite(10)
        #expect(queue.hasRoomForReplies)
        var bytes = SubscriberQueue(maxEvents: 8, maxBytes: 1000)
        _ = bytes.enqueue([UInt8](repeating: 0x41, count: 500))
        #expect(!bytes.hasRoomForReplies)
        bytes.close()
        #expect(!bytes.hasRoomForReplies)
    }

    /// A reply may not take the queue past half full (its budget), except into an empty queue: a large
    /// `history` reply waits for the queue to drain instead of crowding out published events.
    @Test func aLargeReplyWaitsForRoom() {
        var queue = SubscriberQueue(maxEvents: 8, maxBytes: 1000)
        #expect(queue.replyBudget == 500)
        #expect(queue.hasRoomForReply(ofSize: 2000), "an empty queue takes any line")
        _ = queue.enqueue([UInt8](repeating: 0x41, count: 100))
        #expect(queue.hasRoomForReply(ofSize: 400))
        #expect(!queue.hasRoomForReply(ofSize: 401))
        queue.didWrite(100)
        #expect(queue.hasRoomForReply(ofSize: 500))
        queue.close()
        #expect(!queue.hasRoomForReply(ofSize: 1))
    }
}
