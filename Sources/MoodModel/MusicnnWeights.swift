#if canImport(Glibc)
import Glibc
#endif

/// The immutable weights of a musicnn network, batch norms folded: load once, share across streams.
///
/// The per-stream activations live in `MusicnnState`; see `Musicnn.forward`.
public struct MusicnnWeights: Sendable {
    public let config: MusicnnConfig
    public let metadata: ModelMetadata
    let inputBN: FoldedBatchNorm      // [1] the log-mel patch's normalisation
    let timbral: [TimbralBlock]       // one per config.timbralKernelBands
    let temporal: [TemporalBlock]     // one per config.temporalKernels
    let midend: [MidendBlock]         // MusicnnConfig.midLayers
    let backend: BackendBlock

    /// Multiply-accumulates of one forward pass in the convs and dense layers, counting only the channels
    /// computed when the constant channels' bound holds, and in the mid end only the inputs that vary
    /// (`LiveInputPlan`); `config.multiplyAccumulates` without pruning. The front end's sgemms also
    /// multiply the zeros of their blocked kernels (`ChannelPlan.blocked`), which are not counted.
    public var multiplyAccumulates: Int {
        let f = config.frames, b = config.bands
        var total = config.pooledCount * config.denseUnits + config.denseUnits * config.tagCount
        for block in timbral {
            total += f * block.positions(bands: b) * block.columnsPerRow * block.pruned.channels.count
        }
        for block in temporal { total += f * b * block.kernelTime * block.pruned.channels.count }
        for block in midend {
            total += f * block.kernelTime * (block.live?.inputs.count ?? block.inputs) * block.pruned.channels.count
        }
        return total
    }

    /// Reads, validates and folds the model file at `path` (`config.frames` comes from the file).
    public init(contentsOfFile path: String, config: MusicnnConfig = .msd,
                pruneConstantChannels: Bool = true) throws(ModelFileError) {
        try self.init(file: SafeTensors(contentsOfFile: path), config: config, pruneConstantChannels: pruneConstantChannels)
    }

    /// Checks `file` against the architecture (docs/model-format.md, validation rules 2-9): moodd-model
    /// metadata, architecture "musicnn" version "1", an `input` with `config.bands` mel bands, every tensor
    /// present with its exact shape and finite values (BN variances >= 0), and no other tensors but those
    /// of declared heads (`heads.<name>.*`).
    ///
    /// The file's `input` decides the patch: `config.frames` is replaced by its `patch_frames` (every conv
    /// slides over time and the back end pools over it, so the weights run on any patch length). The mel
    /// bands cannot change: the timbral kernels span fixed numbers of them (38 and 67 of musicnn's 96).
    ///
    /// With `pruneConstantChannels`, dead conv channels (in the shipped file, 84% of the front end's) are
    /// not computed while the input keeps their outputs within 1e-6 of a constant, which `forward` checks
    /// on every patch: see `ChannelPlan`. Without it, every multiply-accumulate of the network is done.
    public init(file: SafeTensors, config: MusicnnConfig = .msd, pruneConstantChannels: Bool = true) throws(ModelFileError) {
        precondition(config.timbralKernelBands.allSatisfy { $0 >= 1 && $0 <= config.bands }
                     && config.timbralKernelTime % 2 == 1 && config.midKernelTime % 2 == 1, "invalid MusicnnConfig")
        let path = file.path
        let meta = try ModelMetadata(file.metadata, path: path)
        func fail(_ kind: ModelFileError.Kind, _ reason: String) -> ModelFileError {
            ModelFileError(path: path, kind: kind, reason: reason)
        }
        guard meta.architecture == "musicnn", meta.architectureVersion == "1" else {
            throw fail(.badMetadata,
                       "architecture is '\(meta.architecture)' version '\(meta.architectureVersion)', expected 'musicnn' version '1'")
        }
        guard meta.input.nMels == config.bands else {
            throw fail(.badMetadata, "input n_mels is \(meta.input.nMels); musicnn version 1 needs \(config.bands) "
                       + "(its timbral kernels span \(config.timbralKernelBands.map(String.init).joined(separator: " and ")) of \(config.bands) bands)")
        }
        var config = config
        config.frames = meta.input.patchFrames
        guard meta.tags.count == config.tagCount else {
            throw fail(.badMetadata, "tags names \(meta.tags.count) tags, the network has \(config.tagCount)")
        }
        let front = config.timbralKernelBands.indices.map { "timbral.\($0)" } + config.temporalKernels.indices.map { "temporal.\($0)" }
        if let order = meta.all["frontend_concat"],
           ModelMetadata.strings(order) != front {
            throw fail(.badMetadata, "frontend_concat is \(order), musicnn version 1 concatenates \(front)")
        }

        var tensors: [String: [Float]] = [:]
        for (name, shape) in config.expectedTensors {
            guard let entry = file.entries[name] else { throw fail(.missingTensor, "tensor '\(name)' is missing") }
            guard entry.shape == shape else {
                throw fail(.shapeMismatch, "tensor '\(name)' has shape \(entry.shape), expected \(shape)")
            }
            let values = file.floats(name)!
            guard values.allSatisfy(\.isFinite) else {
                throw fail(.badTensor, "tensor '\(name)' has a non-finite value")
            }
            if name.hasSuffix(".var"), values.contains(where: { $0 < 0 }) {
                throw fail(.badTensor, "tensor '\(name)' has a negative variance")
            }
            tensors[name] = values
        }
        let known = Set(config.expectedTensors.map(\.name))
        let heads = Set(meta.headNames)
        for name in file.entries.keys.sorted() where !known.contains(name) {
            let parts = name.split(separator: ".", maxSplits: 2)
            guard parts.count == 3, parts[0] == "heads" else {
                throw fail(.unexpectedTensor, "tensor '\(name)' is not part of musicnn version 1 (only 'heads.*' may be added)")
            }
            guard heads.contains(String(parts[1])) else {
                throw fail(.unexpectedTensor, "tensor '\(name)' belongs to no head declared in the heads metadata")
            }
        }

        let eps = meta.bnEpsilon
        func bn(_ prefix: String) -> FoldedBatchNorm {
            FoldedBatchNorm(gamma: tensors["\(prefix).gamma"]!, beta: tensors["\(prefix).beta"]!,
                            mean: tensors["\(prefix).mean"]!, variance: tensors["\(prefix).var"]!, epsilon: eps)
        }
        self.config = config
        self.metadata = meta
        inputBN = bn("frontend.bn")
        timbral = config.timbralKernelBands.enumerated().map { i, k in
            let p = "frontend.timbral.\(i)"
            return TimbralBlock(weight: tensors["\(p).weight"]!, bias: tensors["\(p).bias"]!, bn: bn("\(p).bn"),
                                kernelTime: config.timbralKernelTime, kernelBands: k, prune: pruneConstantChannels)
        }
        temporal = config.temporalKernels.enumerated().map { i, k in
            let p = "frontend.temporal.\(i)"
            return TemporalBlock(weight: tensors["\(p).weight"]!, bias: tensors["\(p).bias"]!, bn: bn("\(p).bn"),
                                 kernelTime: k, prune: pruneConstantChannels)
        }
        // What each mid-end layer reads as constants while the layers before it run pruned: the front
        // end's; then c1 = m0(front), m0's; then c2 = m1(c1) + c1, written as m1's value + c1's.
        var constants: [Int: Float] = [:], column = 0
        for (filters, plan) in timbral.map({ ($0.filters, $0.pruned) }) + temporal.map({ ($0.filters, $0.pruned) }) {
            for (c, value) in plan.constantOutputs { constants[column + c] = value }
            column += filters
        }
        var midend: [MidendBlock] = []
        for i in 0..<MusicnnConfig.midLayers {
            let p = "midend.\(i)"
            let block = MidendBlock(weight: tensors["\(p).weight"]!, bias: tensors["\(p).bias"]!, bn: bn("\(p).bn"),
                                    kernelTime: config.midKernelTime, inputs: i == 0 ? config.frontChannels : config.midFilters,
                                    prune: pruneConstantChannels, constantInputs: constants)
            let outputs = block.pruned.constantOutputs
            constants = i == 0 ? outputs : outputs.reduce(into: [:]) { next, entry in
                if let input = constants[entry.key] { next[entry.key] = entry.value + input }
            }
            midend.append(block)
        }
        self.midend = midend
        backend = BackendBlock(
            pooledBN: bn("backend.bn"), dense: tensors["backend.dense.weight"]!, denseBias: tensors["backend.dense.bias"]!,
            denseBN: bn("backend.dense.bn"), output: tensors["backend.output.weight"]!,
            outputBias: tensors["backend.output.bias"]!)
    }
}
