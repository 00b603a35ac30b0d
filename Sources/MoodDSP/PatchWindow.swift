/// Cuts a stream of log-mel frames into overlapping patches for the CNN: `patchFrames` frames every
/// `hopFrames`, starting at the first frame (patch k covers frames [k*hop, k*hop + patchFrames)).
///
/// Frames arrive in blocks of any size; each completed patch is handed over contiguous, `[patchFrames x
/// bands]` row-major, valid only during the call. Storage is allocated once in `init`; after a patch the
/// `patchFrames - hopFrames` frames it shares with the next are moved to the front (one memmove).
///
/// Threading: one owner.
public final class PatchWindow {
    public let patchFrames: Int
    public let hopFrames: Int
    public let bands: Int
    /// Patches emitted so far.
    public private(set) var patchesEmitted = 0
    /// Frames pushed so far.
    public private(set) var framesPushed = 0

    private var buffer: [Float]  // [patchFrames x bands]
    private var filled = 0       // frames in `buffer`
    private var skip = 0         // frames still to drop before the next patch starts (hop > patch)

    public init(patchFrames: Int, hopFrames: Int, bands: Int) throws(DSPParameterError) {
        guard patchFrames >= 1 else { throw .patch(frames: patchFrames, hop: hopFrames) }
        guard hopFrames >= 1 else { throw .patch(frames: patchFrames, hop: hopFrames) }
        guard bands >= 1 else { throw .melBandCount(bands) }
        self.patchFrames = patchFrames
        self.hopFrames = hopFrames
        self.bands = bands
        buffer = [Float](repeating: 0, count: patchFrames * bands)
    }

    /// Pushes `frames` (`[n x bands]` row-major) and calls `patch` for every patch they complete.
    public func push(_ frames: UnsafeBufferPointer<Float>, patch: (UnsafeBufferPointer<Float>) throws -> Void) rethrows {
        precondition(frames.count % bands == 0, "frames must be whole rows of \(bands) bands")
        let n = frames.count / bands
        framesPushed += n
        var row = 0
        while row < n {
            if skip > 0 {
                let dropped = min(skip, n - row)
                skip -= dropped
                row += dropped
                continue
            }
            let take = min(patchFrames - filled, n - row)
            buffer.withUnsafeMutableBufferPointer { b in
                (b.baseAddress! + filled * bands).update(from: frames.baseAddress! + row * bands, count: take * bands)
            }
            filled += take
            row += take
            if filled == patchFrames {
                try buffer.withUnsafeBufferPointer { try patch($0) }
                patchesEmitted += 1
                advance()
            }
        }
    }

    /// At the end of a stream shorter than one patch (no patch emitted yet), emits one patch with the
    /// missing frames set to 0, the log-mel value of digital silence. Returns whether it did.
    @discardableResult
    public func finishShortStream(patch: (UnsafeBufferPointer<Float>) throws -> Void) rethrows -> Bool {
        guard patchesEmitted == 0, filled > 0 else { return false }
        buffer.withUnsafeMutableBufferPointer { b in
            (b.baseAddress! + filled * bands).update(repeating: 0, count: (patchFrames - filled) * bands)
        }
        try buffer.withUnsafeBufferPointer { try patch($0) }
        patchesEmitted += 1
        filled = 0
        return true
    }

    public func reset() {
        filled = 0
        skip = 0
        patchesEmitted = 0
        framesPushed = 0
    }

    /// Drops the first `hopFrames` frames of the patch just emitted.
    private func advance() {
        if hopFrames >= patchFrames {
            filled = 0
            skip = hopFrames - patchFrames
            return
        }
        let kept = patchFrames - hopFrames
        buffer.withUnsafeMutableBufferPointer { b in
            let base = b.baseAddress!
            base.update(from: base + hopFrames * bands, count: kept * bands)  // memmove semantics
        }
        filled = kept
    }
}
