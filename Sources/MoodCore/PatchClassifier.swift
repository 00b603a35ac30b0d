/// The model as the daemon's analysis loop sees it: one patch of log-mel frames in, one probability
/// per mood label out, and, when the model has a content head, one per `ContentKind` (both from one
/// forward pass of the backbone).
///
/// Lives in MoodCore (it names only MoodCore types) so that `MoodTestKit` can provide a
/// deterministic double without depending on the model or the service. The real implementation
/// (musicnn + the mood head + the content head) wraps `MoodModel`.
///
/// Threading contract: `classify` is called only from the analysis loop, one call at a time, so an
/// implementation may keep per-stream scratch state (and then declares itself `@unchecked Sendable`
/// on the strength of this contract).
public protocol PatchClassifier: Sendable {
    /// The mood classes, in the order of `PatchOutput.mood`.
    var labels: MoodLabels { get }
    /// Whether `classify` also returns `PatchOutput.content` (the model has a `content` head).
    var hasContentHead: Bool { get }
    /// The model's name for `hello` (its file's base name or declared name).
    var modelName: String { get }
    /// Log-mel frames per patch: the model file's `patch_frames` (musicnn: 187, about 3 s at 16 kHz
    /// with a hop of 256 samples).
    var patchFrames: Int { get }
    /// Mel bands per frame (musicnn: 96).
    var melBands: Int { get }
    /// - Parameter frames: `[patchFrames x melBands]`, row-major, oldest frame first, as
    ///   `LogMelFrontEnd` emits them (`log10(1 + 10000 * mel)`, unitless).
    /// - Returns: probabilities over `labels`, in label order (`labels.count` values, summing to 1), and
    ///   over `ContentKind.labels` exactly when `hasContentHead`.
    func classify(frames: UnsafeBufferPointer<Float>) throws -> PatchOutput
    /// The patches from here on are a new stream, one every `hopSeconds`: a head that reads a context
    /// of the last few patches (`context_seconds`) forgets those before. Called before a stream's
    /// first patch and whenever it breaks: a silent window that is not classified, a gap, a restart.
    func startStream(hopSeconds: Double)
}

extension PatchClassifier {
    /// A classifier without context has nothing to forget.
    public func startStream(hopSeconds: Double) {}
}
