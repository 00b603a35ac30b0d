/// What a `PatchClassifier` makes of one patch: both heads of one forward pass.
public struct PatchOutput: Sendable, Equatable {
    /// The mood head's probabilities, one per label of `PatchClassifier.labels`, in label order.
    public var mood: [Float]
    /// The content head's probabilities over `ContentKind.labels` (music, speech, noise), or nil when
    /// the model has no content head.
    public var content: [Float]?

    public init(mood: [Float], content: [Float]? = nil) {
        self.mood = mood
        self.content = content
    }
}
