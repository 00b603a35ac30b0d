/// The recent past the daemon keeps for clients that just connected: the answer to
/// `{"cmd":"history","seconds":N}` (docs/protocol.md, "history").
///
/// Holds every published `change` and `source` event and one `mood` per `step` seconds of wall time
/// (the first analysis of each step-long slot, so samples fall on the same grid across restarts),
/// for `seconds`, each as its encoded JSON object, the bytes every subscriber got. Pure: the hub offers
/// it each published event with its line (`record`) and asks it for a reply (`reply`); it never reads
/// a clock.
///
/// Bounds, checked on every `record`: entries older than `seconds` go first; then the oldest go while
/// more than `maxEntries` are held or their lines add up to more than `maxBytes`. Since a reply carries
/// the newest entries that fit in at most `maxBytes`, no entry beyond that could ever be sent, so the
/// byte bound costs nothing. Worst case, resident: `maxBytes` of lines plus `maxEntries` slots of
/// `entryOverhead` bytes: 512 KiB + 1000 x 80 B = 0.58 MiB at the defaults (docs/protocol.md).
///
/// Eviction by count or bytes moves `completeSince`: a reply says from when on it is complete
/// (`from`), so a client can tell "nothing happened" from "not kept".
public struct HistoryRing: Sendable {
    public struct Settings: Sendable, Equatable {
        /// How far back entries are kept, seconds; 0 turns history off.
        public var seconds: Double
        /// Seconds between kept `mood` samples; 0 keeps every analysis.
        public var step: Double
        /// Most entries held.
        public var maxEntries: Int

        public init(seconds: Double = 3600, step: Double = 30, maxEntries: Int = 1000) {
            precondition(seconds >= 0 && step >= 0 && maxEntries > 0, "history bounds must be positive")
            self.seconds = seconds
            self.step = step
            self.maxEntries = maxEntries
        }

        public var isOn: Bool { seconds > 0 }
    }

    /// Most bytes of event lines held, and so most bytes of events one reply can carry: 512 KiB.
    /// A reply line is at most this plus its envelope (`replyEnvelopeBytes`), well below what
    /// line-reading clients accept (`moodctl` takes 1 MiB).
    public static let maxBytes = 512 * 1024
    /// Upper bound of a reply's bytes besides its events: the keys, four values, brackets, newline.
    public static let replyEnvelopeBytes = 192
    /// Resident bytes per entry besides its line, at most: the slot (time + array reference, 16 B),
    /// the array's heap header (32 B), malloc's chunk header (8 B) and rounding to 16 (< 16 B), and the
    /// dropped newline's byte of capacity.
    public static let entryOverhead = 80

    struct Entry: Sendable {
        var time: Timestamp
        /// The event's JSON object, no newline.
        var line: [UInt8]

        static let empty = Entry(time: Timestamp(millisecondsSinceEpoch: 0), line: [])
    }

    public let settings: Settings
    /// Circular: `count` entries from `start`, oldest first; allocated once (`maxEntries` slots).
    private var slots: [Entry]
    private var start = 0
    public private(set) var count = 0
    /// Bytes of the lines held.
    public private(set) var byteCount = 0
    /// Every `change` and `source` event at or after this time is held (or was evicted by age).
    public private(set) var completeSince: Timestamp
    /// The step-long slot of wall time the last kept `mood` fell in.
    private var lastSampleSlot: Int64?

    /// - Parameter start: when the daemon started: nothing before it can be known.
    public init(settings: Settings, start: Timestamp) {
        self.settings = settings
        self.completeSince = start
        slots = settings.isOn ? Array(repeating: .empty, count: settings.maxEntries) : []
    }

    /// Worst-case resident bytes of a ring with these settings (`maxBytes` of lines plus overheads).
    public static func worstCaseBytes(_ settings: Settings) -> Int {
        settings.isOn ? maxBytes + settings.maxEntries * entryOverhead : 0
    }

    /// Offers a published event and its `jsonLine()` (a trailing newline is dropped); returns whether
    /// it was kept. `change` and `source` events are always kept, a `mood` only when it is the first
    /// of its step; anything else never.
    @discardableResult
    public mutating func record(_ event: MoodEvent, line: some Collection<UInt8>) -> Bool {
        guard settings.isOn else { return false }
        let time: Timestamp
        switch event {
        case .mood(let m):
            let stepMs = Int64((settings.step * 1000).rounded())
            let slot = stepMs > 0 ? Self.floorDiv(m.time.millisecondsSinceEpoch, stepMs) : m.time.millisecondsSinceEpoch
            guard slot != lastSampleSlot || stepMs == 0 else { return false }
            lastSampleSlot = slot
            time = m.time
        case .change(let c): time = c.time
        case .source(let s): time = s.time
        default: return false
        }
        var bytes = Array(line)
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        evict(before: Timestamp(millisecondsSinceEpoch: time.millisecondsSinceEpoch - Int64(settings.seconds * 1000)))
        while count > 0, count >= settings.maxEntries || byteCount + bytes.count > Self.maxBytes {
            dropOldestMarkingIncomplete()
        }
        guard bytes.count <= Self.maxBytes else { return false }
        slots[(start + count) % slots.count] = Entry(time: time, line: bytes)
        count += 1
        byteCount += bytes.count
        return true
    }

    /// The `history` event line (newline included) for a client asking for the last `seconds`
    /// (nil: all that is kept) at `now`, at most `maxBytes` long: the newest entries that fit.
    ///
    /// `seconds` beyond `settings.seconds` is cut to it (the reply's `seconds` says so); `from` is the
    /// time from which `events` holds every `change` and `source` event: `now - seconds`, or later
    /// when the daemon started later, entries were evicted by count or bytes, or the reply was cut
    /// to fit `maxBytes` (oldest first).
    public func reply(seconds: Double?, now: Timestamp, maxBytes: Int) -> [UInt8] {
        let span = min(seconds ?? settings.seconds, settings.seconds)
        var from = max(Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch - Int64((span * 1000).rounded(.up))), completeSince)
        // Newest first, while they fit.
        let budget = max(0, min(maxBytes, Self.maxBytes + Self.replyEnvelopeBytes) - Self.replyEnvelopeBytes)
        var used = 0
        var first = count  // index of the oldest entry sent
        while first > 0 {
            let entry = slots[(start + first - 1) % slots.count]
            guard entry.time >= from else { break }
            guard used + entry.line.count + 1 <= budget else {
                from = Timestamp(millisecondsSinceEpoch: entry.time.millisecondsSinceEpoch + 1)
                break
            }
            used += entry.line.count + 1
            first -= 1
        }
        var w = JSONWriter(capacity: Self.replyEnvelopeBytes + used)
        w.raw("{")
        w.key("event"); w.string("history")
        w.comma(); w.key("time"); w.timestamp(now)
        w.comma(); w.key("seconds"); w.number(span, decimals: MoodEvent.secondsDecimals)
        w.comma(); w.key("step"); w.number(settings.step, decimals: MoodEvent.secondsDecimals)
        w.comma(); w.key("from"); w.timestamp(from)
        w.comma(); w.key("events"); w.raw("[")
        var separator = false
        for i in first..<count {
            let entry = slots[(start + i) % slots.count]
            // Entries sharing the millisecond of one cut off are left out with it: `from` is exact.
            guard entry.time >= from else { continue }
            if separator { w.comma() }
            w.bytes.append(contentsOf: entry.line)
            separator = true
        }
        w.raw("]}\n")
        return w.bytes
    }

    /// Drops entries older than `cutoff` (age: `completeSince` stays, the reply's `seconds` covers it).
    private mutating func evict(before cutoff: Timestamp) {
        while count > 0, slots[start].time < cutoff { dropOldest() }
    }

    /// Drops the oldest entry, and any that share its millisecond, and records that nothing before
    /// the next millisecond is complete.
    private mutating func dropOldestMarkingIncomplete() {
        let time = slots[start].time
        completeSince = max(completeSince, Timestamp(millisecondsSinceEpoch: time.millisecondsSinceEpoch + 1))
        while count > 0, slots[start].time < completeSince { dropOldest() }
    }

    private mutating func dropOldest() {
        byteCount -= slots[start].line.count
        slots[start] = .empty
        start = (start + 1) % slots.count
        count -= 1
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
