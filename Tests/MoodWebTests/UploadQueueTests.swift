import MoodWeb
import Synchronization
import Testing

@Suite struct UploadQueueTests {
    @Test func admitsUpToItsCapacity() async {
        let queue = UploadQueue(capacity: 2)
        #expect(await queue.admit())
        #expect(await queue.admit())
        #expect(await queue.admit() == false)
        await queue.leave()
        #expect(await queue.admit())
    }

    @Test func classifiesOneAtATimeInOrder() async {
        let queue = UploadQueue(capacity: 8)
        let running = Tally()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<6 {
                group.addTask {
                    await queue.serially {
                        running.state.withLock { $0.now += 1; $0.most = max($0.most, $0.now); $0.order.append(index) }
                        await Task.yield()
                        running.state.withLock { $0.now -= 1 }
                    }
                }
            }
        }
        let seen = running.state.withLock { $0 }
        #expect(seen.most == 1)
        #expect(seen.order.sorted() == Array(0..<6))
    }
}

private final class Tally: Sendable {
    let state = Mutex((now: 0, most: 0, order: [Int]()))
}
