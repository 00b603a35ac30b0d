import MoodCore
import MoodWeb
import Testing

@Suite struct LiveHubTests {
    @Test func aPageGetsTheSnapshotThenEveryFrame() async {
        let hub = LiveHub(since: "2026-12-04T10:00:00.000Z")
        let stream = hub.subscribe()
        #expect(hub.pageCount == 1)
        hub.connected()
        hub.received("{\"event\":\"change\",\"from\":\"listening\",\"to\":\"sad\",\"time\":\"2026-12-04T10:00:01.000Z\"}")
        hub.received("not json")
        hub.disconnected(reason: "moodd closed the connection", at: "2026-12-04T10:00:02.000Z")
        hub.finishAll()
        var frames: [String] = []
        for await frame in stream { frames.append(frame) }
        #expect(frames.count == 4)
        #expect(frames[0].hasPrefix("event: snapshot\ndata: {\"down\":true,"))
        #expect(frames[1] == "event: up\ndata: {\"down\":false}\n\n")
        #expect(frames[2].hasPrefix("event: change\ndata: {\"event\":\"change\""))
        #expect(frames[3].hasPrefix("event: down\ndata: {\"down\":true,\"since\":\"2026-12-04T10:00:02.000Z\",\"reason\":\"moodd closed the connection\"}"))
    }

    @Test func aSlowPageLosesItsOldestFramesOnly() async {
        let hub = LiveHub(since: "2026-12-04T10:00:00.000Z")
        let slow = hub.subscribe()
        for index in 0..<(LiveHub.pageBuffer * 3) {
            hub.received("{\"event\":\"mood\",\"n\":\(index)}")
        }
        hub.finishAll()
        var frames: [String] = []
        for await frame in slow { frames.append(frame) }
        #expect(frames.count == LiveHub.pageBuffer)
        #expect(frames.last == "event: mood\ndata: {\"event\":\"mood\",\"n\":\(LiveHub.pageBuffer * 3 - 1)}\n\n")
    }

    @Test func aPageThatGoesIsForgotten() async {
        let hub = LiveHub(since: "2026-12-04T10:00:00.000Z")
        let task = Task {
            for await _ in hub.subscribe() {}
        }
        #expect(await eventuallyAsync { hub.pageCount == 1 })
        task.cancel()
        #expect(await eventuallyAsync { hub.pageCount == 0 })
    }

    private func eventuallyAsync(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}
