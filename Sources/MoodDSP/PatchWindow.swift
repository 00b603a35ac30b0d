/// Cuts a stream of log-mel frames into the CNN's patches of `patchFrames` frames: the one patch
/// window of the daemon and the command line.
///
/// Two ways to read it, on the same storage:
/// - every `hopFrames` (`push(_:patch:)`, the command line): patch k covers frames
///   [k*hop, k*hop + patchFrames) of the stream, starting at the first frame;
/// - the latest `patchFrames` frames, whenever the owner asks (`withLatestPatch`, the daemon, which
///   classifies on its own clock rather than every so many frames).
///
/// Frames arrive in blocks of any size. Every patch is handed over contiguous, `[patchFrames x bands]`
/// row-major, oldest frame first, valid only during the call: no copy is made to hand it over. Storage
/// (`2 * patchFrames` frames) is allocated once in `init`; when it is full, the latest `patchFrames`
/// frames are moved to its front (one memmove per `patchFrames` frames pushed).
///
/// Threading: one owner.
public final class PatchWindow {
    public let patchFrames: Int
    public let hopFrames: Int
    public let bands: Int
    /// Patches completed so far (every `hopFrames` frames once the first is full).
    public private(set) var patchesEmitted = 0
    /// Frames pushed so far.
    public private(set) var framesPushed = 0

    private let storage: UnsafeMutableBufferPointer<Float>  // [capacity x bands]
    private let capacity: Int                               // frames: 2 * patchFrames
    private var end = 0                                     // frames: one past the latest in `storage`

    /// Frames the latest window holds: `min(framesPushed, patchFrames)`; a full patch when `patchFrames`.
    public var framesHeld: Int { min(framesPushed, patchFrames) }

    public init(patchFrames: Int, hopFrames: Int, bands: Int) throws(DSPParameterError) {
        guard patchFrames >= 1 else { throw .patch(frames: patchFrames, hop: hopFrames) }
        guard hopFrames >= 1 else { throw .patch(frames: patchFrames, hop: hopFrames) }
        guard bands >= 1 else { throw .melBandCount(bands) }
        self.patchFrames = patchFrames
        self.hopFrames = hopFrames
        self.bands = bands
        capacity = 2 * patchFrames
        storage = .allocate(capacity: capacity * bands)
        storage.initialize(repeating: 0)
    }

    /// A window read only with `withLatestPatch` (its hop is then irrelevant).
    public convenience init(patchFrames: Int, bands: Int) throws(DSPParameterError) {
        try self.init(patchFrames: patchFrames, hopFrames: patchFrames, bands: bands)
    }

    deinit { storage.deallocate() }

    /// Pushes `frames` (`[n x bands]` row-major), keeping the latest patch.
    public func push(_ frames: UnsafeBufferPointer<Float>) {
        push(frames, patch: { _ in })
    }

    /// Pushes `frames` (`[n x bands]` row-major) and calls `patch` for every patch they complete.
    public func push(_ frames: UnsafeBufferPointer<Float>, patch: (UnsafeBufferPointer<Float>) throws -> Void) rethrows {
        precondition(frames.count % bands == 0, "frames must be whole rows of \(bands) bands")
        let n = frames.count / bands
        var row = 0
        while row < n {
            if end == capacity { compact() }
            let nextPatchEnd = patchesEmitted * hopFrames + patchFrames  // in frames of the stream
            let take = min(n - row, capacity - end, nextPatchEnd - framesPushed)
            (storage.baseAddress! + end * bands).update(from: frames.baseAddress! + row * bands, count: take * bands)
            end += take
            row += take
            framesPushed += take
            if framesPushed == nextPatchEnd {
                patchesEmitted += 1
                try patch(latest)
            }
        }
    }

    /// Calls `body` with the latest `patchFrames` frames, oldest first, and returns its result; nil
    /// (and `body` not called) until that many frames have been pushed since the start or `reset`.
    public func withLatestPatch<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R? {
        guard framesPushed >= patchFrames else { return nil }
        return try body(latest)
    }

    /// At the end of a stream shorter than one patch (no patch emitted yet), emits one patch with the
    /// missing frames set to 0, the log-mel value of digital silence. Returns whether it did.
    @discardableResult
    public func finishShortStream(patch: (UnsafeBufferPointer<Float>) throws -> Void) rethrows -> Bool {
        guard patchesEmitted == 0, framesPushed > 0, framesPushed < patchFrames else { return false }
        // Fewer frames than a patch were ever pushed, so they are at the front of `storage`.
        (storage.baseAddress! + end * bands).update(repeating: 0, count: (patchFrames - end) * bands)
        try patch(UnsafeBufferPointer(rebasing: storage[0..<patchFrames * bands]))
        patchesEmitted += 1
        return true
    }

    /// Forgets every frame: the next patch starts with the next frame pushed.
    public func reset() {
        end = 0
        patchesEmitted = 0
        framesPushed = 0
    }

    /// The latest `patchFrames` frames (only meaningful once that many were pushed).
    private var latest: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(rebasing: storage[(end - patchFrames) * bands..<end * bands])
    }

    /// Moves the latest frames (at most `patchFrames`) to the front of `storage`.
    private func compact() {
        let kept = min(framesPushed, patchFrames, end)
        let base = storage.baseAddress!
        base.update(from: base + (end - kept) * bands, count: kept * bands)  // no overlap: kept <= capacity / 2
        end = kept
    }
}
