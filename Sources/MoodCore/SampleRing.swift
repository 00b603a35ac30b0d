import Synchronization

/// Single-producer single-consumer ring of `Float` samples: capture thread -> analysis.
///
/// Threading contract: exactly one thread calls the producer methods (`write`) and exactly one
/// thread calls the consumer methods (`read`, `discard(keepingLatest:)`); any thread may read the
/// counters. Neither side ever blocks or takes a lock; the capture thread can call `write` from a
/// real-time audio callback.
///
/// Overrun policy: when the ring is full, `write` **drops the newest samples** (the part of the
/// incoming block that does not fit) and counts them in `overruns`. Dropping the oldest would mean
/// the producer moving the consumer's index, which a lock-free SPSC ring cannot do without racing
/// the consumer's copy. The analysis only looks at the latest window anyway and catches up with
/// `discard(keepingLatest:)`; the count is published in `source` events.
///
/// Indices are free-running sample counts (`Int`, 64-bit: 2^63 samples is 6 million years at 48 kHz);
/// position = count & (capacity - 1). The producer publishes `written` with release ordering after
/// copying, the consumer `read` likewise, so each side sees the other's copies complete.
public final class SampleRing: @unchecked Sendable {
    // @unchecked: `storage` is shared mutable memory; the SPSC protocol above, enforced by the
    // acquire/release pairs on `written` and `consumed`, is what makes the sharing safe.

    /// Samples the ring holds; a power of two.
    public let capacity: Int
    private let mask: Int
    private let storage: UnsafeMutablePointer<Float>  // [capacity] samples
    private let written = Atomic<Int>(0)  // total samples ever written; stored by the producer only
    private let consumed = Atomic<Int>(0)  // total samples ever read or discarded; stored by the consumer only
    private let dropped = Atomic<Int>(0)  // total samples dropped on overrun

    /// - Parameter capacity: samples; must be a power of two (so wrapping is a mask) and > 0.
    public init(capacity: Int) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0, "capacity must be a power of two")
        self.capacity = capacity
        self.mask = capacity - 1
        storage = .allocate(capacity: capacity)
        storage.initialize(repeating: 0, count: capacity)
    }

    /// The smallest power of two holding at least `seconds` of audio at `sampleRate` Hz.
    public static func capacity(seconds: Double, sampleRate: Int) -> Int {
        let needed = max(1, Int((seconds * Double(sampleRate)).rounded(.up)))
        var c = 1
        while c < needed { c <<= 1 }
        return c
    }

    deinit {
        storage.deallocate()
    }

    /// Samples ready to read. Exact on the consumer thread; a lower bound elsewhere.
    public var available: Int {
        written.load(ordering: .acquiring) - consumed.load(ordering: .acquiring)
    }

    /// Samples dropped because the ring was full, since creation.
    public var overruns: Int { dropped.load(ordering: .relaxed) }

    /// Total samples accepted by `write`, since creation: the stream position of the next sample
    /// written. Exact on the producer thread.
    public var totalWritten: Int { written.load(ordering: .relaxed) }

    /// Total samples read or discarded, since creation: the stream position of the next sample read.
    /// Exact on the consumer thread.
    public var totalRead: Int { consumed.load(ordering: .acquiring) }

    // MARK: Producer

    /// Samples `write` would take now. Exact on the producer thread (the consumer can only make
    /// more room); a producer that must not drop (an unpaced file) waits until a block fits.
    public var freeSpace: Int {
        capacity - (written.load(ordering: .relaxed) - consumed.load(ordering: .acquiring))
    }

    /// Copies as much of `samples` as fits and returns how many were taken; the rest is dropped and
    /// counted. Producer thread only; never blocks, never allocates.
    @discardableResult
    public func write(_ samples: UnsafeBufferPointer<Float>) -> Int {
        guard let source = samples.baseAddress, !samples.isEmpty else { return 0 }
        let w = written.load(ordering: .relaxed)  // only this thread stores it
        let r = consumed.load(ordering: .acquiring)  // the consumer is done with everything before r
        let n = min(samples.count, capacity - (w - r))
        if n > 0 {
            let start = w & mask
            let first = min(n, capacity - start)
            (storage + start).update(from: source, count: first)
            if n > first { storage.update(from: source + first, count: n - first) }
            written.store(w + n, ordering: .releasing)
        }
        if n < samples.count { dropped.add(samples.count - n, ordering: .relaxed) }
        return n
    }

    @discardableResult
    public func write(_ samples: [Float]) -> Int {
        samples.withUnsafeBufferPointer { write($0) }
    }

    // MARK: Consumer

    /// Moves up to `buffer.count` of the oldest samples into `buffer`; returns how many.
    /// Consumer thread only.
    @discardableResult
    public func read(into buffer: UnsafeMutableBufferPointer<Float>) -> Int {
        guard let target = buffer.baseAddress else { return 0 }
        let r = consumed.load(ordering: .relaxed)  // only this thread stores it
        let w = written.load(ordering: .acquiring)  // the producer's copies before w are visible
        let n = min(buffer.count, w - r)
        guard n > 0 else { return 0 }
        let start = r & mask
        let first = min(n, capacity - start)
        target.update(from: storage + start, count: first)
        if n > first { (target + first).update(from: storage, count: n - first) }
        consumed.store(r + n, ordering: .releasing)
        return n
    }

    /// Appends up to `maxCount` samples to `array`; returns how many. Consumer thread only.
    @discardableResult
    public func read(appendingTo array: inout [Float], maxCount: Int) -> Int {
        let n = min(maxCount, available)
        guard n > 0 else { return 0 }
        let old = array.count
        array.append(contentsOf: repeatElement(0, count: n))
        let got = array.withUnsafeMutableBufferPointer { read(into: UnsafeMutableBufferPointer(rebasing: $0[old...])) }
        array.removeLast(n - got)  // none on the consumer thread, where `available` is exact
        return got
    }

    /// Drops the unread samples before stream position `position` (a `totalWritten` seen earlier),
    /// keeping every sample written after it; returns how many were dropped. Consumer thread only.
    /// Not counted as overruns.
    @discardableResult
    public func discard(upTo position: Int) -> Int {
        let r = consumed.load(ordering: .relaxed)
        let w = written.load(ordering: .acquiring)
        let n = min(position, w) - r
        guard n > 0 else { return 0 }
        consumed.store(r + n, ordering: .releasing)
        return n
    }

    /// Drops all but the newest `keep` readable samples (to catch up after falling behind);
    /// returns how many were dropped. Consumer thread only. Not counted as overruns.
    @discardableResult
    public func discard(keepingLatest keep: Int) -> Int {
        let r = consumed.load(ordering: .relaxed)
        let w = written.load(ordering: .acquiring)
        let n = max(0, (w - r) - max(0, keep))
        if n > 0 { consumed.store(r + n, ordering: .releasing) }
        return n
    }
}
