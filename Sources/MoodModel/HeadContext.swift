/// The inputs of the last few patches of one stream, for a head with `context_seconds`
/// (docs/model-format.md, "Heads"): such a head reads each patch's own input and, beside it, the mean
/// of the inputs of the patches that started at most `context_seconds` before it, the patch itself
/// included (fewer at the start of a stream), so that it hears a little more than one 3-s window
/// without waiting for the future. The training side's twin is `training/heads.py`'s `with_context`.
///
/// A value type with one ring of `patches x width` floats: `push` and `mean` allocate nothing;
/// `restart` reallocates only when a shorter hop needs more patches than it ever held.
struct HeadContext {
    /// Patches averaged at most, whatever the hop: 3 MB of inputs for `pooled` (1506 floats each).
    static let maxPatches = 512

    /// How many patches, the current one included, `seconds` of context span at `hopSeconds` between
    /// patches: `round(seconds / hop) + 1` (half to even, as Python's `round`), 1 without context,
    /// at most `maxPatches`. 3 s at the 1.5-s hop: 3.
    static func patches(seconds: Double, hopSeconds: Double) -> Int {
        guard seconds > 0, hopSeconds > 0 else { return 1 }
        let n = (seconds / hopSeconds).rounded(.toNearestOrEven) + 1
        return n >= Double(maxPatches) ? maxPatches : max(1, Int(n))
    }

    let width: Int
    /// The patches averaged once the stream is that long.
    private(set) var patches: Int
    /// Patches held since the stream started (at most `patches`).
    private(set) var count = 0
    private var ring: [Float]       // [patches x width], row `next` is overwritten next
    private var next = 0

    init(width: Int, patches: Int) {
        precondition(width > 0 && patches >= 1)
        self.width = width
        self.patches = patches
        ring = [Float](repeating: 0, count: patches * width)
    }

    /// A new stream whose patches come `patches` to the context: forgets every patch held.
    mutating func restart(patches: Int) {
        precondition(patches >= 1)
        if patches * width > ring.count { ring = [Float](repeating: 0, count: patches * width) }
        self.patches = patches
        count = 0
        next = 0
    }

    /// The stream's next patch's input, `[width]`.
    mutating func push(_ input: UnsafeBufferPointer<Float>) {
        precondition(input.count == width)
        let row = next * width
        ring.withUnsafeMutableBufferPointer { r in
            for i in 0..<width { r[row + i] = input[i] }
        }
        next = (next + 1) % patches
        count = min(count + 1, patches)
    }

    /// Writes the mean of the held inputs (summed in double precision) into `out[0..<width]`; zeros
    /// when nothing is held.
    func mean(into out: UnsafeMutableBufferPointer<Float>) {
        precondition(out.count >= width)
        ring.withUnsafeBufferPointer { r in
            for i in 0..<width {
                var sum = 0.0
                for k in 0..<count { sum += Double(r[k * width + i]) }
                out[i] = count == 0 ? 0 : Float(sum / Double(count))
            }
        }
    }
}
