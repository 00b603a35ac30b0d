@testable import MoodService
import Testing

@Suite struct LogQueueTests {
    static func line(_ count: Int) -> LogQueue.Entry { .line([UInt8](repeating: 0x61, count: count)) }

    /// The bound is bytes, lines being written included; the first drop of an episode is reported,
    /// and the episode ends (with its count) only once the writer has drained to half the capacity.
    @Test func boundsBytesAndReportsOneEpisodeOfDrops() {
        var queue = LogQueue(capacity: 100)
        #expect(queue.push(Self.line(40)) == .queued)
        #expect(queue.push(Self.line(40)) == .queued)
        #expect(queue.push(Self.line(40)) == .dropped(first: true))
        #expect(queue.push(Self.line(40)) == .dropped(first: false))
        #expect(queue.push(Self.line(20)) == .queued)
        #expect(queue.bytes == 100 && queue.lines == 3 && queue.dropped == 2)
        let taken = queue.takeAll()
        #expect(taken.count == 3 && queue.isEmpty && queue.bytes == 100)  // still being written
        #expect(queue.push(Self.line(1)) == .dropped(first: false))
        #expect(queue.wrote([UInt8](repeating: 0, count: 40)) == nil)  // 60 left: above half
        #expect(queue.push(Self.line(30)) == .queued)  // fits again, still the same episode
        #expect(queue.wrote([UInt8](repeating: 0, count: 40)) == 3)  // 50: half; 3 lost
        #expect(queue.dropped == 0)
        #expect(queue.push(Self.line(60)) == .dropped(first: true))  // a new episode
    }

    @Test func aReopenTakesNoRoomAndIsNeverDroppedOrDoubled() {
        var queue = LogQueue(capacity: 10)
        #expect(queue.push(Self.line(10)) == .queued)
        #expect(queue.push(.reopen) == .queued)
        #expect(queue.push(.reopen) == .queued)
        #expect(queue.takeAll() == [Self.line(10), .reopen])
    }
}
