#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodCore
@testable import MoodService
import MoodSystem
import MoodTestKit
import ServiceLifecycle
import Synchronization
import SystemPackage
import Testing

/// The event log on a disk that hangs in `write(2)` (a dead NFS server, a failing drive): the
/// writer's descriptor is a pipe whose read end nobody reads, filled until `write` blocks.
@Suite(.timeLimit(.minutes(1))) struct EventLogStuckDiskTests {
    /// A pipe full to the brim: a (blocking) write to `write` blocks until someone reads `read`.
    static func stuckPipe() throws -> (read: FileDescriptor, write: FileDescriptor) {
        let (read, write) = try FileDescriptor.pipe()
        let flags = fcntl(write.rawValue, F_GETFL)
        _ = fcntl(write.rawValue, F_SETFL, flags | O_NONBLOCK)
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)
        while (try? chunk.withUnsafeBytes { try write.write($0) }) != nil {}
        _ = fcntl(write.rawValue, F_SETFL, flags)
        return (read, write)
    }

    /// Reads `fd` until its writer closes it (EOF): true when that happened within `timeout` s.
    static func drainUntilClosed(_ fd: FileDescriptor, timeout: Double) -> Bool {
        let deadline = SystemClock.now.advanced(bySeconds: timeout)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while SystemClock.now < deadline {
            var ready = pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 50) >= 0 else { return false }
            guard ready.revents != 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { (try? fd.read(into: $0)) ?? -1 }
            if n <= 0 { return n == 0 }
        }
        return false
    }

    /// Publishing never blocks on a stuck writer, the queue holds no more than its bytes, the
    /// drops are counted and reported once, and shutdown gives the writer its deadline on the
    /// clock and then leaves it stuck: `run` returns, so SIGTERM still exits.
    @Test func aWriterStuckInWriteBlocksNeitherPublishingNorShutdown() async throws {
        let (readEnd, writeEnd) = try Self.stuckPipe()
        defer { try? readEnd.close() }
        let clock = TestClock()
        let recorder = LogRecorder()
        let capacity = 16_384
        let log = EventLog(
            path: "/nonexistent/moodd.log", format: .json, events: [.mood], logger: recorder.logger,
            settings: EventLog.Settings(queueCapacity: capacity, stopDeadline: 1), clock: clock, descriptor: writeEnd)
        let group = ServiceGroup(services: [log], logger: recorder.logger)
        let returned = Shared(false)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                try await group.run()
                returned.value = true
            }
            // 2,000 lines of ~260 bytes: 30 times what the queue holds.
            let total = 2_000
            let publishSeconds = try await offPool { () -> Double in
                let start = SystemClock.now
                for n in 0..<total { log.receive(Sample.mood(n), line: Sample.mood(n).jsonLine()) }
                return (SystemClock.now - start).inSeconds
            }
            #expect(publishSeconds < 1, "publishing took \(publishSeconds) s")
            #expect(log.queuedBytes <= capacity)
            #expect(log.queuedBytes > capacity / 2)
            let dropped = log.droppedLines
            let lineBytes = Sample.mood(0).jsonLine().count
            #expect(dropped >= total - capacity / lineBytes - 1 && dropped < total, "\(dropped) of \(total) dropped")
            let warnings = recorder.all.filter { $0.message.contains("dropping lines") }
            #expect(warnings.count == 1, "\(warnings)")

            // Shutdown: the writer stays stuck; `run` waits for it on the clock, up to the deadline.
            await group.triggerGracefulShutdown()
            let waiting = await clock.waitForSleepers(1, timeout: 10)
            #expect(waiting, "nothing waits on the clock for the writer")
            try await Task.sleep(for: .milliseconds(50))
            let early = returned.value
            #expect(!early, "returned before the deadline")
            clock.advance(bySeconds: 1)
            let stopped = await eventually(timeout: 3) { returned.value }
            #expect(stopped, "run did not return after the deadline")
            let abandoned = recorder.all.filter { $0.message.contains("writer is stuck") }
            #expect(abandoned.count == 1, "\(recorder.all.map(\.message))")
            #expect(recorder.all.filter { $0.message.contains("dropping lines") }.count == 1)

            // Unblocked at last, the abandoned writer writes no more, closes its descriptor and ends.
            let closed = try await offPool { Self.drainUntilClosed(readEnd, timeout: 10) }
            #expect(closed, "the writer thread did not end once unblocked")
            try await tasks.waitForAll()
        }
    }

    /// A writer that was stuck and comes back: the lines it had are written whole, and the
    /// episode ends with one line saying how many were lost.
    @Test func aWriterThatComesBackReportsTheLostLinesOnce() async throws {
        let (readEnd, writeEnd) = try Self.stuckPipe()
        defer { try? readEnd.close() }
        let recorder = LogRecorder()
        let capacity = 16_384
        let log = EventLog(
            path: "/nonexistent/moodd.log", format: .json, events: [.mood], logger: recorder.logger,
            settings: EventLog.Settings(queueCapacity: capacity, stopDeadline: 1), descriptor: writeEnd)
        let received = Shared<[UInt8]>([])
        let dropped = Shared(0)
        try await withRunning([log], logger: recorder.logger) { _ in
            for n in 0..<500 { log.receive(Sample.mood(n), line: Sample.mood(n).jsonLine()) }
            dropped.value = log.droppedLines
            #expect(dropped.value > 0)
            // The disk comes back: read everything, the 4 KiB filler first.
            let reader = Task.detached {
                try await offPool {
                    var buffer = [UInt8](repeating: 0, count: 65_536)
                    while true {
                        let n = try buffer.withUnsafeMutableBytes { try readEnd.read(into: $0) }
                        if n <= 0 { return }
                        received.update { $0 += buffer[..<n] }
                    }
                }
            }
            let caughtUp = await eventually { recorder.all.contains { $0.message.contains("caught up") } }
            #expect(caughtUp)
            let notice = recorder.all.filter { $0.message.contains("caught up") }
            #expect(notice.count == 1)
            #expect(notice.first?.metadata["lost_lines"] == "\(dropped.value)")
            _ = reader
        }
        let text = received.update { String(decoding: $0.drop { $0 == UInt8(ascii: "x") }, as: UTF8.self) }
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 500 - dropped.value)
        #expect(lines.allSatisfy { $0.hasPrefix("{\"event\":\"mood\"") && $0.hasSuffix("}") })
    }
}

/// A value shared between a test and the tasks and threads it starts.
final class Shared<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
    func update<R>(_ body: (inout Value) -> R) -> R { storage.withLock { body(&$0) } }
}
