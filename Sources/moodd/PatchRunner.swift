import MoodDSP
import MoodModel

/// Runs the CNN over a file's patches, streaming: decode -> log-mel -> patches -> musicnn, one patch at a
/// time, with one set of scratch buffers for the whole file.
struct PatchRunner {
    let network: Musicnn
    let hopFrames: Int

    /// Calls `body(penultimate [200], tags [50])` for each patch in order; returns the patch count.
    @discardableResult
    func run(file: String, _ body: (UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>) throws -> Void) throws -> Int {
        let cfg = network.config
        let state = network.makeState()
        let window = try PatchWindow(patchFrames: cfg.frames, hopFrames: hopFrames, bands: cfg.bands)
        var penultimate = [Float](repeating: 0, count: cfg.denseUnits)
        var tags = [Float](repeating: 0, count: cfg.tagCount)
        func forward(_ patch: UnsafeBufferPointer<Float>) throws {
            penultimate.withUnsafeMutableBufferPointer { pen in
                tags.withUnsafeMutableBufferPointer { tags in
                    network.forward(patch: patch, state: state, penultimate: pen, tags: tags)
                }
            }
            try penultimate.withUnsafeBufferPointer { pen in
                try tags.withUnsafeBufferPointer { try body(pen, $0) }
            }
        }
        try FileFrames.forEachBlock(of: file) { frames in try window.push(frames, patch: { try forward($0) }) }
        try window.finishShortStream(patch: { try forward($0) })
        return window.patchesEmitted
    }
}
