import MoodCore
import Testing

@Suite struct HistoryRingTests {
    static let t0 = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!
    static let labels = MoodLabels.quadrants.names

    static func at(_ seconds: Double) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: t0.millisecondsSinceEpoch + Int64((seconds * 1000).rounded()))
    }

    static func mood(_ seconds: Double, _ label: String = "relaxed") -> MoodEvent {
        .mood(.init(
            time: at(seconds), label: MoodState(name: label), confidence: 0.7,
            probabilities: Distribution(labels: labels, values: [0.1, 0.1, 0.1, 0.7]), content: nil,
            raw: Distribution(labels: labels, values: [0.1, 0.2, 0.3, 0.4]), valence: 0.6, arousal: -0.6, levelDB: -20))
    }

    static func change(_ seconds: Double, _ from: String = "listening", _ to: String = "relaxed") -> MoodEvent {
        .change(.init(from: MoodState(name: from), to: MoodState(name: to), time: at(seconds)))
    }

    static func source(_ seconds: Double, _ state: MoodEvent.SourceState = .started, reason: String? = nil) -> MoodEvent {
        .source(.init(state: state, source: "alsa:default", overruns: 0, lostFrames: 0, time: at(seconds), reason: reason))
    }

    /// Records `events` as the hub does (with their lines); returns which were kept.
    @discardableResult
    static func feed(_ ring: inout HistoryRing, _ events: [MoodEvent]) -> [Bool] {
        events.map { ring.record($0, line: $0.jsonLine()) }
    }

    static func decode(_ line: [UInt8]) throws -> MoodEvent.History {
        guard case .history(let h) = try MoodEvent(jsonLine: line) else { throw MoodEvent.DecodingError(description: "not history") }
        return h
    }

    @Test func keepsEveryChangeAndSourceEventAndOneMoodPerStep() throws {
        var ring = HistoryRing(settings: .init(seconds: 3600, step: 30, maxEntries: 100), start: Self.t0)
        // Analyses every 1.5 s from 0 to 90 s: the first of each 30-s slot of wall time is kept.
        let moods = stride(from: 0.0, through: 90, by: 1.5).map { Self.mood($0) }
        let kept = Self.feed(&ring, moods)
        #expect(zip(moods, kept).filter(\.1).map { if case .mood(let m) = $0.0 { m.time } else { Self.t0 } }
                == [Self.at(0), Self.at(30), Self.at(60), Self.at(90)])
        #expect(Self.feed(&ring, [Self.change(91), Self.change(91.5, "relaxed", "silence"), Self.source(92, .lost, reason: "stalled"),
                                  .error("x"), .state(.init(time: Self.at(93), label: .listening, confidence: 0, probabilities: nil,
                                                            valence: nil, arousal: nil, since: nil, source: .init(name: "x", state: nil),
                                                            counters: .init()))])
                == [true, true, true, false, false])
        let h = try Self.decode(ring.reply(seconds: nil, now: Self.at(100), maxBytes: 1 << 20))
        #expect(h.events == [Self.mood(0), Self.mood(30), Self.mood(60), Self.mood(90), Self.change(91),
                             Self.change(91.5, "relaxed", "silence"), Self.source(92, .lost, reason: "stalled")])
        #expect(h.from == Self.t0, "the daemon started at t0: complete since then")
        #expect(h.seconds == 3600 && h.step == 30 && h.time == Self.at(100))
    }

    @Test func stepZeroKeepsEveryAnalysis() {
        var ring = HistoryRing(settings: .init(seconds: 60, step: 0, maxEntries: 100), start: Self.t0)
        #expect(Self.feed(&ring, [Self.mood(0), Self.mood(0.5), Self.mood(1)]) == [true, true, true])
    }

    /// The reply's bytes are what `MoodEvent.history` encodes from the decoded events: one encoding.
    @Test func theReplyIsTheEventsJSONByteForByte() throws {
        var ring = HistoryRing(settings: .init(), start: Self.t0)
        Self.feed(&ring, [Self.source(0), Self.mood(3), Self.change(4), Self.mood(31)])
        let line = ring.reply(seconds: 600, now: Self.at(40), maxBytes: 1 << 20)
        let h = try Self.decode(line)
        #expect(MoodEvent.history(h).jsonLine() == line)
        #expect(line.last == UInt8(ascii: "\n") && !line.dropLast().contains(UInt8(ascii: "\n")))
        #expect(h.from == Self.t0 && h.seconds == 600)
    }

    @Test func entriesOlderThanSecondsGo() throws {
        var ring = HistoryRing(settings: .init(seconds: 60, step: 30, maxEntries: 100), start: Self.t0)
        Self.feed(&ring, [Self.change(0), Self.mood(1), Self.change(50), Self.mood(61), Self.change(100)])
        // At 100 s the cutoff is 40 s: the change at 0 and the mood at 1 are gone.
        #expect(ring.count == 3)
        let h = try Self.decode(ring.reply(seconds: nil, now: Self.at(100), maxBytes: 1 << 20))
        #expect(h.events == [Self.change(50), Self.mood(61), Self.change(100)])
        #expect(h.from == Self.at(40), "aged out, not lost: complete for the seconds kept")
    }

    /// `seconds` selects the recent part; more than is kept is cut to what is kept, and says so.
    @Test func secondsBoundTheReply() throws {
        var ring = HistoryRing(settings: .init(seconds: 600, step: 30, maxEntries: 100), start: Self.t0)
        Self.feed(&ring, [Self.change(10), Self.change(200, "relaxed", "sad"), Self.change(590, "sad", "happy")])
        let recent = try Self.decode(ring.reply(seconds: 100, now: Self.at(600), maxBytes: 1 << 20))
        #expect(recent.events == [Self.change(590, "sad", "happy")])
        #expect(recent.seconds == 100 && recent.from == Self.at(500))
        let all = try Self.decode(ring.reply(seconds: 1e12, now: Self.at(600), maxBytes: 1 << 20))
        #expect(all.seconds == 600 && all.events.count == 3 && all.from == Self.t0)
        let tiny = try Self.decode(ring.reply(seconds: 0.001, now: Self.at(600), maxBytes: 1 << 20))
        #expect(tiny.events.isEmpty && tiny.from == Self.at(599.999))
    }

    /// Past `maxEntries` the oldest go, and `from` says from when the reply is complete; entries in the
    /// same millisecond as an evicted one go with it, so `from` is exact.
    @Test func evictionByCountMovesFrom() throws {
        var ring = HistoryRing(settings: .init(seconds: 3600, step: 30, maxEntries: 3), start: Self.t0)
        Self.feed(&ring, [Self.change(1), Self.mood(1), Self.change(2, "relaxed", "sad"), Self.change(3, "sad", "happy")])
        #expect(ring.count == 2)
        #expect(ring.completeSince == Self.at(1.001))
        let h = try Self.decode(ring.reply(seconds: nil, now: Self.at(10), maxBytes: 1 << 20))
        #expect(h.events == [Self.change(2, "relaxed", "sad"), Self.change(3, "sad", "happy")])
        #expect(h.from == Self.at(1.001))
    }

    /// A reply never exceeds `maxBytes` (the client's room for replies): the newest entries that fit,
    /// and `from` after the newest one left out.
    @Test func aReplyIsCutToTheClientsRoomNewestFirst() throws {
        var ring = HistoryRing(settings: .init(seconds: 3600, step: 0, maxEntries: 1000), start: Self.t0)
        let moods = (0..<100).map { Self.mood(Double($0)) }
        Self.feed(&ring, moods)
        let full = ring.reply(seconds: nil, now: Self.at(100), maxBytes: 1 << 20)
        for maxBytes in [4096, 2048, 1000, 10] {
            let line = ring.reply(seconds: nil, now: Self.at(100), maxBytes: maxBytes)
            #expect(line.count <= max(maxBytes, HistoryRing.replyEnvelopeBytes), "\(maxBytes)")
            #expect(line.count < full.count)
            let h = try Self.decode(line)
            #expect(h.events == Array(moods.suffix(h.events.count)))
            let oldest = h.events.first.map { if case .mood(let m) = $0 { m.time } else { Self.t0 } } ?? Self.at(100)
            #expect(h.from > Self.at(99 - Double(h.events.count)) && h.from <= oldest, "\(maxBytes)")
        }
        #expect(try Self.decode(ring.reply(seconds: nil, now: Self.at(100), maxBytes: 10)).events.isEmpty)
    }

    /// Memory: the lines held never pass `HistoryRing.maxBytes`, whatever their size, so the ring's
    /// worst case is 512 KiB plus 80 B per slot: 0.58 MiB at the defaults.
    @Test func memoryIsBoundedByBytesAsWellAsCount() {
        var ring = HistoryRing(settings: .init(seconds: 86_400, step: 0, maxEntries: 20_000), start: Self.t0)
        let huge = String(repeating: "x", count: 4000)  // a long source name or reason
        for i in 0..<1000 {
            ring.record(Self.source(Double(i), .lost, reason: huge), line: Self.source(Double(i), .lost, reason: huge).jsonLine())
            #expect(ring.byteCount <= HistoryRing.maxBytes)
        }
        #expect(ring.count < 1000 && ring.count > 100)
        #expect(ring.completeSince > Self.t0)
        #expect(HistoryRing.worstCaseBytes(.init()) == 524_288 + 80_000)
        #expect(HistoryRing.worstCaseBytes(.init(seconds: 0)) == 0)
    }

    @Test func offKeepsNothing() {
        var ring = HistoryRing(settings: .init(seconds: 0), start: Self.t0)
        #expect(Self.feed(&ring, [Self.change(1), Self.mood(1)]) == [false, false])
        #expect(ring.count == 0)
    }

    /// What the shipped model's mood lines weigh, for the budget in docs/protocol.md: the longest a
    /// 4-label mood line with content can be (every number at its widest) is under 400 bytes.
    @Test func aWorstCaseMoodLineOfTheShippedModel() {
        let widest = Distribution(labels: Self.labels, values: [-0.1234, -0.1234, -0.1234, -0.1234])
        let content = Distribution(labels: ContentKind.labels, values: [-0.1234, -0.1234, -0.1234])
        let line = MoodEvent.mood(.init(
            time: Self.t0, label: .label("relaxed"), confidence: 0.1234, probabilities: widest, content: content, raw: widest,
            valence: -0.1234, arousal: -0.1234, levelDB: -123.4)).jsonLine()
        #expect(line.count < 400, "\(line.count)")
    }
}
