import MoodCore

/// A model file's backbone, its mood head and, when the file has one, its `content` head, as the
/// daemon and `moodd classify` use them: one `[patch_frames x n_mels]` log-mel patch (musicnn's
/// `[187 x 96]`) as the file's `input` describes it (`input`), one backbone pass, one
/// probability per mood label and per `ContentKind` out (`PatchClassifier`). The second head costs
/// `in + sum(out_i * in_i)` multiply-accumulates (about 13 k on `penultimate`, 0.3 M on `pooled`),
/// nothing next to the backbone's 1.4 G.
///
/// The weights are immutable and shared; the scratch state is this object's own, so one
/// `MoodClassifier` serves one stream, called one patch at a time (the analysis loop's contract in
/// `PatchClassifier`; hence `@unchecked Sendable`). Make another from `weights` for another stream.
public final class MoodClassifier: PatchClassifier, @unchecked Sendable {
    public let network: Musicnn
    public let head: DenseHead
    /// The head named `content`, labels exactly `ContentKind.labels`; nil when the file has none.
    public let contentHead: DenseHead?
    public let labels: MoodLabels
    public var hasContentHead: Bool { contentHead != nil }
    public let modelName: String
    public var patchFrames: Int { network.config.frames }
    public var melBands: Int { network.config.bands }
    /// The file's `input`: the front end and the patch this model takes.
    public var input: ModelInput { network.input }

    private let state: MusicnnState
    /// Per head with `context_seconds` (mood, content): the stream's last inputs, and the head's input
    /// `[own | mean]` put together.
    private var moodContext: HeadContext?
    private var contentContext: HeadContext?
    private var withContext: [Float]
    private var penultimate: [Float]  // [200]
    private var tags: [Float]         // [50]
    private var scratchA: [Float]     // [head.scratchSize]
    private var scratchB: [Float]

    /// Loads `path` and picks the mood head called `headName` (when nil, the first head not called
    /// `content`) and the head called `content`, if any. A file without heads (a plain backbone) is
    /// refused: it can tag music but not tell its mood; so is a `content` head whose labels are not
    /// exactly music, speech, noise.
    public convenience init(contentsOfFile path: String, headName: String? = nil) throws(ModelFileError) {
        try self.init(file: SafeTensors(contentsOfFile: path), headName: headName)
    }

    /// `init(contentsOfFile:headName:)` on a file already read (`file.path` names it in errors).
    public convenience init(file: SafeTensors, headName: String? = nil) throws(ModelFileError) {
        let path = file.path
        let weights = try MusicnnWeights(file: file)
        let heads = try Self.heads(in: file, backbone: weights.config)
        guard !heads.isEmpty else {
            throw ModelFileError(path: path, kind: .badMetadata, reason: "the model has no heads (a backbone only: use `moodd tags`)")
        }
        let content = heads.first { $0.name == Self.contentHeadName }
        guard let head = headName.map({ name in heads.first { $0.name == name } })
            ?? heads.first(where: { $0.name != Self.contentHeadName })
        else {
            let reason = headName.map { "no head '\($0)'" } ?? "no mood head (only 'content')"
            throw ModelFileError(path: path, kind: .badMetadata,
                                 reason: "\(reason); the model has \(heads.map(\.name).joined(separator: ", "))")
        }
        let name = Self.modelName(path: path)
        try self.init(network: Musicnn(weights: weights), head: head, contentHead: content, modelName: name, path: path)
    }

    /// The name of the head that tells music from speech and noise.
    public static let contentHeadName = "content"

    public init(network: Musicnn, head: DenseHead, contentHead: DenseHead? = nil, modelName: String, path: String) throws(ModelFileError) {
        if let contentHead, contentHead.labels != ContentKind.labels {
            throw ModelFileError(
                path: path, kind: .badMetadata,
                reason: "head '\(contentHead.name)': labels must be exactly \(ContentKind.labels) (in this order), got \(contentHead.labels)")
        }
        self.network = network
        self.head = head
        self.contentHead = contentHead
        self.modelName = modelName
        let axes: [MoodLabels.Axes]? = zip(head.valence ?? [], head.arousal ?? []).map { .init(valence: $0, arousal: $1) }
        do {
            labels = try MoodLabels(head.labels, axes: head.valence == nil || head.arousal == nil ? nil : axes)
        } catch {
            throw ModelFileError(path: path, kind: .badMetadata, reason: "head '\(head.name)': \(error)")
        }
        state = network.makeState()
        penultimate = [Float](repeating: 0, count: network.config.denseUnits)
        tags = [Float](repeating: 0, count: network.config.tagCount)
        scratchA = [Float](repeating: 0, count: max(head.scratchSize, contentHead?.scratchSize ?? 0))
        scratchB = scratchA
        let hop = Self.defaultHopSeconds
        let context = { (head: DenseHead?) in
            head.flatMap { $0.contextSeconds > 0
                ? HeadContext(width: $0.layerSize, patches: HeadContext.patches(seconds: $0.contextSeconds, hopSeconds: hop)) : nil }
        }
        moodContext = context(head)
        contentContext = context(contentHead)
        withContext = [Float](repeating: 0, count: max(moodContext == nil ? 0 : head.inputSize,
                                                      contentContext == nil ? 0 : contentHead!.inputSize))
    }

    /// The hop a stream is taken to have until `startStream` says otherwise: the daemon's default
    /// `analysis.hop` and `moodd classify`'s half patch.
    public static let defaultHopSeconds = 1.5

    /// Forgets the patches held for the heads with context, which from now on span their
    /// `context_seconds` at `hopSeconds` between patches.
    public func startStream(hopSeconds: Double) {
        moodContext?.restart(patches: HeadContext.patches(seconds: head.contextSeconds, hopSeconds: hopSeconds))
        contentContext?.restart(patches: HeadContext.patches(seconds: contentHead?.contextSeconds ?? 0, hopSeconds: hopSeconds))
    }

    /// The file's name without folder or extension: `/usr/share/moodd/moodd-4q.safetensors` -> `moodd-4q`.
    static func modelName(path: String) -> String {
        let file = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        guard let dot = file.lastIndex(of: "."), dot != file.startIndex else { return file }
        return String(file[..<dot])
    }

    /// Every head of `file`, parsed and checked against its tensors.
    public static func heads(in file: SafeTensors, backbone: MusicnnConfig) throws(ModelFileError) -> [DenseHead] {
        guard let text = file.metadata["heads"], let entries = (try? JSONValue.parse(text))?.arrayValue,
              entries.allSatisfy({ if case .object = $0 { true } else { false } })
        else {
            throw ModelFileError(path: file.path, kind: .badMetadata, reason: "heads is not a JSON array of objects")
        }
        var heads: [DenseHead] = []
        for entry in entries { heads.append(try DenseHead(entry: entry, file: file, backbone: backbone)) }
        return heads
    }

    public func classify(frames: UnsafeBufferPointer<Float>) throws -> PatchOutput {
        var mood = [Float](repeating: 0, count: head.labels.count)
        var content = [Float](repeating: 0, count: contentHead == nil ? 0 : ContentKind.allCases.count)
        mood.withUnsafeMutableBufferPointer { m in
            content.withUnsafeMutableBufferPointer { c in classify(frames: frames, into: m, content: c) }
        }
        return PatchOutput(mood: mood, content: contentHead == nil ? nil : content)
    }

    /// Allocation-free form: one backbone pass, then `probabilities` receives the mood head's
    /// `[labels.count]` and `content` the content head's `[3]` (music, speech, noise); `content` is
    /// left alone (and may be empty) without a content head.
    public func classify(
        frames: UnsafeBufferPointer<Float>, into probabilities: UnsafeMutableBufferPointer<Float>,
        content: UnsafeMutableBufferPointer<Float> = .init(start: nil, count: 0)
    ) {
        penultimate.withUnsafeMutableBufferPointer { pen in
            tags.withUnsafeMutableBufferPointer { tags in
                network.forward(patch: frames, state: state, penultimate: pen, tags: tags)
            }
        }
        apply(head, context: &moodContext, into: probabilities)
        if let contentHead { apply(contentHead, context: &contentContext, into: content) }
    }

    /// Runs `head` on the activations of the last forward pass (and, with context, on their mean over
    /// the stream's last patches, this one included).
    private func apply(_ head: DenseHead, context: inout HeadContext?, into probabilities: UnsafeMutableBufferPointer<Float>) {
        penultimate.withUnsafeBufferPointer { pen in
            let own = head.input == .pooled ? UnsafeBufferPointer(state.pooled) : pen
            withContext.withUnsafeMutableBufferPointer { both in
                var input = own
                if context != nil {
                    let width = head.layerSize
                    context!.push(own)
                    for i in 0..<width { both[i] = own[i] }
                    context!.mean(into: UnsafeMutableBufferPointer(rebasing: both[width..<(2 * width)]))
                    input = UnsafeBufferPointer(rebasing: both[0..<(2 * width)])
                }
                scratchA.withUnsafeMutableBufferPointer { a in
                    scratchB.withUnsafeMutableBufferPointer { b in
                        head.apply(input: input, scratch: (a.baseAddress!, b.baseAddress!), probabilities: probabilities)
                    }
                }
            }
        }
    }
}
