import MoodDSP
import MoodModel

/// Streams a file's CNN patches: decode -> log-mel -> patches of `patchFrames` every `hopFrames`, one at a
/// time, with one set of buffers for the whole file (the offline twin of the daemon's analysis window).
enum PatchRunner {
    /// The default hop between patches: half a patch (93 frames, 1.5 s, for musicnn's 187).
    static func defaultHopFrames(_ patchFrames: Int) -> Int { max(1, patchFrames / 2) }

    /// Calls `body` with each patch `[patch_frames x n_mels]` of `input` in order (a file shorter than one
    /// patch gives one patch padded with silence); returns the patch count. `samples` sees the decoded
    /// samples, each before the patches that include them (`FileFrames.forEachBlock`).
    @discardableResult
    static func forEachPatch(
        of file: String, input: ModelInput, hopFrames: Int, samples: ((UnsafeBufferPointer<Float>) -> Void)? = nil,
        _ body: (UnsafeBufferPointer<Float>) throws -> Void
    ) throws -> Int {
        let window = try PatchWindow(patchFrames: input.patchFrames, hopFrames: hopFrames, bands: input.nMels)
        try FileFrames.forEachBlock(of: file, spec: input.logMelSpec, samples: samples) { frames in try window.push(frames, patch: { try body($0) }) }
        try window.finishShortStream(patch: { try body($0) })
        return window.patchesEmitted
    }

    /// Runs `network` on every patch: `body(penultimate [200], tags [50], state)` (the state holds the
    /// patch's intermediates, e.g. `pooledFeatures`); returns the patch count.
    @discardableResult
    static func forEachEmbedding(
        of file: String, network: Musicnn, hopFrames: Int,
        _ body: (UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>, MusicnnState) throws -> Void
    ) throws -> Int {
        let cfg = network.config
        let state = network.makeState()
        var penultimate = [Float](repeating: 0, count: cfg.denseUnits)
        var tags = [Float](repeating: 0, count: cfg.tagCount)
        return try forEachPatch(of: file, input: network.input, hopFrames: hopFrames) { patch in
            penultimate.withUnsafeMutableBufferPointer { pen in
                tags.withUnsafeMutableBufferPointer { tags in
                    network.forward(patch: patch, state: state, penultimate: pen, tags: tags)
                }
            }
            try penultimate.withUnsafeBufferPointer { pen in try tags.withUnsafeBufferPointer { try body(pen, $0, state) } }
        }
    }
}
