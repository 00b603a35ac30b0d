import MoodCore

/// A model file's backbone and one of its heads, as the daemon and `moodd classify` use them: one
/// `[187 x 96]` log-mel patch in, one probability per label out (`PatchClassifier`).
///
/// The weights are immutable and shared; the scratch state is this object's own, so one
/// `MoodClassifier` serves one stream, called one patch at a time (the analysis loop's contract in
/// `PatchClassifier`; hence `@unchecked Sendable`). Make another from `weights` for another stream.
public final class MoodClassifier: PatchClassifier, @unchecked Sendable {
    public let network: Musicnn
    public let head: DenseHead
    public let labels: MoodLabels
    public let modelName: String
    public var patchFrames: Int { network.config.frames }
    public var melBands: Int { network.config.bands }

    private let state: MusicnnState
    private var penultimate: [Float]  // [200]
    private var tags: [Float]         // [50]
    private var scratchA: [Float]     // [head.scratchSize]
    private var scratchB: [Float]

    /// Loads `path` and picks the head called `headName` (the first head when nil). A file without heads
    /// (a plain backbone) is refused: it can tag music but not tell its mood.
    public convenience init(contentsOfFile path: String, headName: String? = nil) throws(ModelFileError) {
        let file = try SafeTensors(contentsOfFile: path)
        let weights = try MusicnnWeights(file: file)
        let heads = try Self.heads(in: file, backbone: weights.config)
        guard !heads.isEmpty else {
            throw ModelFileError(path: path, kind: .badMetadata, reason: "the model has no heads (a backbone only: use `moodd tags`)")
        }
        guard let head = headName.map({ name in heads.first { $0.name == name } }) ?? heads.first else {
            throw ModelFileError(path: path, kind: .badMetadata,
                                 reason: "no head '\(headName!)'; the model has \(heads.map(\.name).joined(separator: ", "))")
        }
        let name = Self.modelName(path: path)
        try self.init(network: Musicnn(weights: weights), head: head, modelName: name, path: path)
    }

    public init(network: Musicnn, head: DenseHead, modelName: String, path: String) throws(ModelFileError) {
        self.network = network
        self.head = head
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
        scratchA = [Float](repeating: 0, count: head.scratchSize)
        scratchB = scratchA
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

    public func classify(frames: UnsafeBufferPointer<Float>) throws -> [Float] {
        var probabilities = [Float](repeating: 0, count: head.labels.count)
        probabilities.withUnsafeMutableBufferPointer { classify(frames: frames, into: $0) }
        return probabilities
    }

    /// Allocation-free form: `probabilities` receives `[labels.count]`.
    public func classify(frames: UnsafeBufferPointer<Float>, into probabilities: UnsafeMutableBufferPointer<Float>) {
        penultimate.withUnsafeMutableBufferPointer { pen in
            tags.withUnsafeMutableBufferPointer { tags in
                network.forward(patch: frames, state: state, penultimate: pen, tags: tags)
            }
        }
        penultimate.withUnsafeBufferPointer { pen in
            let input = head.input == .pooled ? UnsafeBufferPointer(state.pooled) : pen
            scratchA.withUnsafeMutableBufferPointer { a in
                scratchB.withUnsafeMutableBufferPointer { b in
                    head.apply(input: input, scratch: (a.baseAddress!, b.baseAddress!), probabilities: probabilities)
                }
            }
        }
    }
}
