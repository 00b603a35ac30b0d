import MoodTestKit
import Testing
@testable import MoodModel

/// The architecture checks on top of the container: metadata, the tensor set and shapes, values.
@Suite struct MusicnnWeightsTests {
    typealias Edit = @Sendable (inout SafeTensorsWriter) -> Void

    func load(_ edit: Edit) throws(ModelFileError) -> MusicnnWeights {
        var writer = SafeTensorsWriter.randomModel(smallConfig, seed: 21)
        edit(&writer)
        return try MusicnnWeights(file: SafeTensors(bytes: writer.bytes(), path: "test.safetensors"), config: smallConfig)
    }

    static func replace(_ name: String, shape: [Int]? = nil, values: (@Sendable ([Float]) -> [Float])? = nil) -> Edit {
        { writer in
            let i = writer.tensors.firstIndex { $0.name == name }!
            if let shape { writer.tensors[i].shape = shape }
            if let values { writer.tensors[i].values = values(writer.tensors[i].values) }
        }
    }

    static let rejected: [(name: String, edit: Edit, kind: ModelFileError.Kind, reason: String)] = [
        ("missing tensor", { $0.tensors.removeAll { $0.name == "midend.1.bias" } }, .missingTensor,
         "tensor 'midend.1.bias' is missing"),
        ("transposed weight", replace("frontend.timbral.0.weight", shape: [5, 6, 7]), .shapeMismatch,
         "'frontend.timbral.0.weight' has shape [5, 6, 7], expected [5, 7, 6]"),
        ("flattened weight", replace("backend.output.weight", shape: [18]), .shapeMismatch, "expected [3, 6]"),
        ("unknown tensor", { $0.tensors.append(("extra.weight", [1], [0])) }, .unexpectedTensor, "'extra.weight' is not part"),
        ("undeclared head", { $0.tensors.append(("heads.quadrant.weight", [4, 6], [Float](repeating: 0, count: 24))) },
         .unexpectedTensor, "belongs to no head"),
        ("NaN weight", replace("midend.0.weight") { var v = $0; v[7] = .nan; return v }, .badTensor, "non-finite"),
        ("infinite bias", replace("frontend.temporal.2.bias") { var v = $0; v[0] = .infinity; return v }, .badTensor, "non-finite"),
        ("negative variance", replace("backend.dense.bn.var") { var v = $0; v[2] = -1; return v }, .badTensor,
         "'backend.dense.bn.var' has a negative variance"),
        ("other format", { $0.metadata["format"] = "gguf" }, .badMetadata, "format is 'gguf'"),
        ("newer format", { $0.metadata["format_version"] = "2" }, .badMetadata, "format_version is '2'"),
        ("no metadata", { $0.metadata = [:] }, .badMetadata, "metadata has no 'format'"),
        ("other architecture", { $0.metadata["architecture"] = "vggish" }, .badMetadata, "architecture is 'vggish'"),
        ("no epsilon", { $0.metadata["bn_epsilon"] = nil }, .badMetadata, "no 'bn_epsilon'"),
        ("negative epsilon", { $0.metadata["bn_epsilon"] = "-0.001" }, .badMetadata, "not a positive number"),
        ("input not JSON", { $0.metadata["input"] = "16 kHz" }, .badMetadata, "input is not a JSON object"),
        ("other window", { $0.metadata["input"] = $0.metadata["input"]!.replacingOccurrences(of: "hann_periodic", with: "hamming") },
         .badMetadata, "window hamming (expected hann_periodic)"),
        ("other band count", { $0.metadata["input"] = $0.metadata["input"]!.replacingOccurrences(of: "\"n_mels\": 16", with: "\"n_mels\": 17") },
         .badMetadata, "input n_mels is 17; musicnn version 1 needs 16 (its timbral kernels span 6 and 11 of 16 bands)"),
        ("no frames", { $0.metadata["input"] = $0.metadata["input"]!.replacingOccurrences(of: "\"patch_frames\": 12", with: "\"patch_frames\": 0") },
         .badMetadata, "patch_frames must be >= 1, got 0"),
        ("hop past the FFT", { $0.metadata["input"] = $0.metadata["input"]!.replacingOccurrences(of: "\"hop_length\": 256", with: "\"hop_length\": 1024") },
         .badMetadata, "hop must be between 1 and the FFT size 512 samples, got 1024"),
        ("other log", { $0.metadata["input"] = $0.metadata["input"]!.replacingOccurrences(of: "log10(1+10000*x)", with: "ln(x)") },
         .badMetadata, "log ln(x) (expected log10(1+10000*x))"),
        ("tag count", { $0.metadata["tags"] = #"["a", "b"]"# }, .badMetadata, "names 2 tags, the network has 3"),
        ("tags not strings", { $0.metadata["tags"] = "[1, 2, 3]" }, .badMetadata, "tags is not a JSON array"),
        ("heads not an array", { $0.metadata["heads"] = "{}" }, .badMetadata, "heads is not a JSON array"),
        ("other concat order", { $0.metadata["frontend_concat"] = #"["temporal.0", "temporal.1", "temporal.2", "timbral.0", "timbral.1"]"# },
         .badMetadata, "frontend_concat is"),
    ]

    @Test(arguments: rejected.indices)
    func rejectsAFileForAnotherNetwork(index: Int) {
        let (name, edit, kind, reason) = Self.rejected[index]
        let error = #expect(throws: ModelFileError.self, "\(name)") { try load(edit) }
        #expect(error?.kind == kind, "\(name): \(error?.description ?? "")")
        #expect(error?.reason.contains(reason) == true, "\(name): \(error?.description ?? "")")
        #expect(error?.description.hasPrefix("test.safetensors: ") == true)
    }

    @Test func acceptsDeclaredHeadsAndTheDocumentedConcatOrder() throws {
        let weights = try load { writer in
            writer.metadata["heads"] = #"[{"name": "quadrant", "input": "penultimate", "kind": "logistic"}]"#
            writer.metadata["frontend_concat"] = #"["timbral.0", "timbral.1", "temporal.0", "temporal.1", "temporal.2"]"#
            writer.tensors.append(("heads.quadrant.weight", [4, 6], [Float](repeating: 0.5, count: 24)))
            writer.tensors.append(("heads.quadrant.bias", [4], [0, 0, 0, 0]))
        }
        #expect(weights.metadata.headNames == ["quadrant"])
        #expect(weights.metadata.tags == ["tag0", "tag1", "tag2"])
    }

    /// The file's `input` decides the patch: the convs slide over time, so another patch length or
    /// hop needs no other configuration, and the network's frames are the file's.
    @Test(arguments: [5, 12, 13, 40])
    func thePatchLengthComesFromTheFile(frames: Int) throws {
        let weights = try load { writer in
            writer.metadata["input"] = writer.metadata["input"]!
                .replacingOccurrences(of: "\"patch_frames\": 12", with: "\"patch_frames\": \(frames)")
                .replacingOccurrences(of: "\"hop_length\": 256", with: "\"hop_length\": 160")
        }
        #expect(weights.config.frames == frames)
        #expect(weights.metadata.input.hopLength == 160)
        var expected = smallConfig
        expected.frames = frames
        #expect(weights.config == expected)
    }

    @Test func rejectsTheRightFileForTheWrongConfiguration() throws {
        let bytes = SafeTensorsWriter.randomModel(smallConfig, seed: 1).bytes()
        let error = #expect(throws: ModelFileError.self) {
            try MusicnnWeights(file: SafeTensors(bytes: bytes, path: "small"), config: .msd)
        }
        #expect(error?.kind == .badMetadata)
        #expect(error?.reason.contains("input n_mels is 16; musicnn version 1 needs 96") == true)
    }
}
