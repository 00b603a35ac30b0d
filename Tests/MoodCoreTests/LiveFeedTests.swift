import MoodCore
import Testing

/// moodd-web's view of the daemon (issue 14): snapshots, SSE frames, up/down.
struct LiveFeedTests {
    let state = #"{"event":"state","time":"2026-11-21T10:00:00.000Z","label":"relaxed","confidence":0.71}"#
    let change = #"{"event":"change","from":"relaxed","to":"happy","time":"2026-11-21T10:00:05.000Z"}"#

    @Test func startsDownUntilConnected() {
        var feed = LiveFeed(since: "2026-11-21T09:59:00.000Z")
        #expect(feed.snapshot() == #"{"down":true,"since":"2026-11-21T09:59:00.000Z","reason":"not connected yet","hello":null,"state":null,"mood":null,"change":null,"source":null}"#)
        // A failed first connection is not a second down frame; the reason is updated.
        #expect(feed.disconnected(reason: "connection refused", at: "2026-11-21T09:59:01.000Z") == [])
        #expect(feed.downReason == "connection refused")
        #expect(feed.connected() == ["event: up\ndata: {\"down\":false}\n\n"])
        #expect(feed.connected() == [])
    }

    @Test func keepsTheLatestLinesVerbatimAndFramesEveryEvent() {
        var feed = LiveFeed(since: "t0")
        _ = feed.connected()
        #expect(feed.received(state) == "event: state\ndata: \(state)\n\n")
        #expect(feed.received(change) == "event: change\ndata: \(change)\n\n")
        #expect(feed.received(#"{"event":"history","events":[]}"#) == "event: history\ndata: {\"event\":\"history\",\"events\":[]}\n\n")
        #expect(feed.snapshot() == "{\"down\":false,\"hello\":null,\"state\":\(state),\"mood\":null,\"change\":\(change),\"source\":null}")
        #expect(Array(feed.recent) == [change])
    }

    @Test func dropsLinesThatAreNotEvents() {
        var feed = LiveFeed(since: "t0")
        #expect(feed.received("not json") == nil)
        #expect(feed.received("[1,2]") == nil)
        #expect(feed.received(#"{"event":"a b"}"#) == nil)
        #expect(feed.received(#"{"label":"happy"}"#) == nil)
        #expect(feed.latest.isEmpty)
    }

    @Test func downKeepsTheLastKnownStateAndSaysSince() {
        var feed = LiveFeed(since: "t0")
        _ = feed.connected()
        _ = feed.received(state)
        #expect(feed.disconnected(reason: "moodd closed the connection", at: "t1")
            == ["event: down\ndata: {\"down\":true,\"since\":\"t1\",\"reason\":\"moodd closed the connection\"}\n\n"])
        #expect(feed.disconnected(reason: "connection refused", at: "t2") == [])
        #expect(feed.snapshot().hasPrefix(#"{"down":true,"since":"t1","reason":"connection refused","hello":null,"state":{"event":"state""#))
    }

    @Test func recentIsBounded() {
        var feed = LiveFeed(capacity: 3, since: "t0")
        for i in 0..<5 { _ = feed.received(#"{"event":"mood","n":\#(i)}"#) }
        #expect(Array(feed.recent) == (2..<5).map { #"{"event":"mood","n":\#($0)}"# })
    }
}

@Suite struct LiveFeedFrameNameTests {
    /// Regression: the daemon's `error` event ("moodd is shutting down") went out as `event: error`,
    /// which fires an EventSource's connection-error handler: the page said moodd-web was unreachable.
    @Test func eventsAnEventSourceReservesAreRenamed() {
        var feed = LiveFeed(since: "2026-12-04T10:00:00.000Z")
        #expect(feed.received("{\"event\":\"error\",\"error\":\"moodd is shutting down\"}")
            == "event: daemon-error\ndata: {\"event\":\"error\",\"error\":\"moodd is shutting down\"}\n\n")
        #expect(LiveFeed.frameName("open") == "daemon-open")
        #expect(LiveFeed.frameName("message") == "daemon-message")
        #expect(LiveFeed.frameName("mood") == "mood")
    }
}
