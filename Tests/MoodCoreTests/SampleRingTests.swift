import Foundation
import MoodCore
import Synchronization
import Testing

/// A flag threads can share (an `Atomic` cannot be captured by an escaping closure).
private final class Flag: Sendable {
    let value = Atomic(false)
}

@Suite struct SampleRingTests {
    @Test(arguments: [0, 3, 1000, -4])
    func capacityMustBeAPowerOfTwo(capacity: Int) async {
        await #expect(processExitsWith: .failure) { [capacity] in _ = SampleRing(capacity: capacity) }
    }

    @Test(arguments: [(3.0, 16_000, 65_536), (1.0, 8, 8), (0.5, 16_000, 8192), (0, 16_000, 1)])
    func capacityForADuration(seconds: Double, rate: Int, expected: Int) {
        #expect(SampleRing.capacity(seconds: seconds, sampleRate: rate) == expected)
    }

    @Test func wrapsAroundAndDropsTheNewestWhenFull() {
        let ring = SampleRing(capacity: 8)
        #expect(ring.write([0, 1, 2, 3, 4, 5]) == 6)
        var out: [Float] = []
        #expect(ring.read(appendingTo: &out, maxCount: 4) == 4)
        #expect(out == [0, 1, 2, 3])
        #expect(ring.write([6, 7, 8, 9, 10, 11, 12, 13]) == 6)  // 2 held + 6 = full; 12 and 13 dropped
        #expect(ring.overruns == 2)
        #expect(ring.available == 8)
        out.removeAll()
        #expect(ring.read(appendingTo: &out, maxCount: 100) == 8)
        #expect(out == [4, 5, 6, 7, 8, 9, 10, 11])
        #expect(ring.available == 0)
        #expect(ring.read(appendingTo: &out, maxCount: 1) == 0)
        #expect(ring.totalWritten == 12)
    }

    @Test func freeSpaceIsWhatAWriteWouldTake() {
        let ring = SampleRing(capacity: 8)
        #expect(ring.freeSpace == 8)
        ring.write([0, 1, 2, 3, 4])
        #expect(ring.freeSpace == 3)
        var out: [Float] = []
        ring.read(appendingTo: &out, maxCount: 2)
        #expect(ring.freeSpace == 5)
        #expect(ring.write([5, 6, 7, 8, 9]) == 5)
        #expect(ring.freeSpace == 0 && ring.overruns == 0)
    }

    @Test func discardKeepsTheLatest() {
        let ring = SampleRing(capacity: 16)
        ring.write((0..<10).map(Float.init))
        #expect(ring.discard(keepingLatest: 3) == 7)
        #expect(ring.discard(keepingLatest: 5) == 0)
        var out: [Float] = []
        ring.read(appendingTo: &out, maxCount: 10)
        #expect(out == [7, 8, 9])
        #expect(ring.overruns == 0)
    }

    /// Dropping up to a stream position (where a source event happened): the samples before it go,
    /// those written after it stay; a position already read past, or not yet written, drops no more
    /// than there is.
    @Test func discardUpToAPositionKeepsWhatCameAfter() {
        let ring = SampleRing(capacity: 16)
        ring.write((0..<6).map(Float.init))
        let event = ring.totalWritten  // 6
        ring.write((6..<10).map(Float.init))
        var out: [Float] = []
        ring.read(appendingTo: &out, maxCount: 2)
        #expect(ring.totalRead == 2)
        #expect(ring.discard(upTo: event) == 4)
        #expect(ring.totalRead == 6)
        #expect(ring.discard(upTo: event) == 0)
        #expect(ring.discard(upTo: 3) == 0)
        out = []
        ring.read(appendingTo: &out, maxCount: 10)
        #expect(out == [6, 7, 8, 9])
        #expect(ring.discard(upTo: 100) == 0 && ring.totalRead == 10)
        #expect(ring.overruns == 0)
    }

    /// A real producer thread and consumer thread; the producer waits for room, so every sample must
    /// arrive exactly once and in order, and nothing is counted as an overrun.
    @Test func transfersEverySampleInOrderBetweenThreads() async {
        let ring = SampleRing(capacity: 1024)
        let total = 1_000_000
        let received = await withCheckedContinuation { (done: CheckedContinuation<(count: Int, inOrder: Bool), Never>) in
            Thread.detachNewThread {
                var next = 0
                var block = [Float](repeating: 0, count: 333)
                while next < total {
                    let n = min(block.count, total - next)
                    for i in 0..<n { block[i] = Float((next + i) % 1_000_000) }
                    // Seen from the producer, `available` can only overstate what is unread, so once
                    // there is room for n, all n must fit.
                    while ring.capacity - ring.available < n { sched_yield() }
                    let sent = block.withUnsafeBufferPointer { ring.write(UnsafeBufferPointer(rebasing: $0[0..<n])) }
                    precondition(sent == n, "write refused samples there was room for")
                    next += n
                }
            }
            Thread.detachNewThread {
                var count = 0
                var inOrder = true
                var buffer = [Float](repeating: 0, count: 257)
                while count < total {
                    let n = buffer.withUnsafeMutableBufferPointer { ring.read(into: $0) }
                    for i in 0..<n where buffer[i] != Float((count + i) % 1_000_000) { inOrder = false }
                    count += n
                }
                done.resume(returning: (count, inOrder))
            }
        }
        #expect(received.count == total)
        #expect(received.inOrder)
        #expect(ring.overruns == 0)
    }

    /// A producer that never waits on a slow consumer: nothing blocks, what is lost is counted, and
    /// what arrives is in order.
    @Test func aSlowConsumerCausesCountedOverrunsOnly() async {
        let ring = SampleRing(capacity: 256)
        let total = 500_000
        let producerDone = Flag()
        let result = await withCheckedContinuation { (done: CheckedContinuation<(count: Int, increasing: Bool), Never>) in
            Thread.detachNewThread {
                var block = [Float](repeating: 0, count: 100)
                var next = 0
                while next < total {
                    for i in 0..<100 { block[i] = Float(next + i) }
                    ring.write(block)
                    next += 100
                }
                producerDone.value.store(true, ordering: .releasing)
            }
            Thread.detachNewThread {
                var count = 0
                var last: Float = -1
                var increasing = true
                var buffer = [Float](repeating: 0, count: 64)
                while true {
                    let finished = producerDone.value.load(ordering: .acquiring)
                    let n = buffer.withUnsafeMutableBufferPointer { ring.read(into: $0) }
                    for v in buffer[..<n] {
                        if v <= last { increasing = false }
                        last = v
                    }
                    count += n
                    if n == 0 && finished { break }
                    if count % 4096 < 64 { usleep(50) }  // fall behind now and then
                }
                done.resume(returning: (count, increasing))
            }
        }
        #expect(result.increasing)
        #expect(result.count + ring.overruns == total)
        #expect(ring.totalWritten == result.count)
    }
}

