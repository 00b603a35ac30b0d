import Foundation
import MoodTestKit
import Testing
@testable import MoodModel

/// The container loader against well-formed and hostile files: every bad file is one `ModelFileError`
/// naming the file, never a trap.
@Suite struct SafeTensorsTests {
    static let data = (0..<6).flatMap { i in withUnsafeBytes(of: Float(i).bitPattern.littleEndian) { Array($0) } }

    /// A two-tensor file whose header is `entries` (the JSON object's body) over 24 bytes of data.
    static func file(_ entries: String, data: [UInt8] = data, declaredLength: UInt64? = nil) -> [UInt8] {
        SafeTensorsWriter.file(header: "{\(entries)}", data: data, declaredLength: declaredLength)
    }

    static let good = #""a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}"#

    @Test func readsAWellFormedFile() throws {
        let file = try TemporaryFile(bytes: Self.file(Self.good + #","__metadata__":{"k":"v"}"#))
        let tensors = try SafeTensors(contentsOfFile: file.path)
        #expect(tensors.metadata == ["k": "v"])
        #expect(tensors.entries["a"] == .init(shape: [2, 2], byteRange: 0..<16))
        #expect(tensors.floats("a") == [0, 1, 2, 3])
        #expect(tensors.floats("b") == [4, 5])
        #expect(tensors.floats("c") == nil)
    }

    @Test func acceptsEmptyTensorsAndNoMetadata() throws {
        let bytes = Self.file(#""e":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}"#,
                              data: Array(Self.data[0..<4]))
        let tensors = try SafeTensors(bytes: bytes, path: "x")
        #expect(tensors.floats("e") == [])
        #expect(tensors.floats("s") == [0])
        #expect(tensors.metadata.isEmpty)
    }

    static let hostile: [(name: String, bytes: [UInt8], kind: ModelFileError.Kind, reason: String)] = [
        ("empty file", [], .truncated, "too short"),
        ("shorter than the length field", [8, 0, 0], .truncated, "too short"),
        ("header length u64 max", file(good, declaredLength: .max), .badHeader, "exceeds the 100 MB limit"),
        ("header length past the end", file(good, declaredLength: 1 << 20), .truncated, "runs past the end"),
        ("header length not a multiple of 8", file(good, declaredLength: 12), .badHeader, "not a multiple of 8"),
        ("not JSON", SafeTensorsWriter.file(header: "\u{0}\u{1}garbage", data: data), .badHeader, "not a JSON object"),
        ("JSON array", SafeTensorsWriter.file(header: "[1, 2]", data: data), .badHeader, "not a JSON object"),
        ("truncated JSON", SafeTensorsWriter.file(header: "{\"a\":{\"dtype\":", data: data), .badHeader, "not a JSON object"),
        ("missing dtype", file(#""a":{"shape":[6],"data_offsets":[0,24]}"#), .badHeader, "'a' has no 'dtype'"),
        ("offsets not integers", file(#""a":{"dtype":"F32","shape":[6],"data_offsets":[0.5,24]}"#), .badHeader, "header entry 'a.data_offsets[0]' has an unusable value"),
        ("offsets a string", file(#""a":{"dtype":"F32","shape":[6],"data_offsets":"0-24"}"#), .badHeader, "wrong type"),
        ("metadata not strings", file(#""a":{"dtype":"F32","shape":[6],"data_offsets":[0,24]},"__metadata__":{"k":1}"#), .badHeader, "'__metadata__.k'"),
        ("metadata not an object", file(#""a":{"dtype":"F32","shape":[6],"data_offsets":[0,24]},"__metadata__":["k"]"#), .badHeader, "header entry '__metadata__' has the wrong type"),
        ("metadata key twice", file(#""a":{"dtype":"F32","shape":[6],"data_offsets":[0,24]},"__metadata__":{"k":"1","k":"2"}"#), .badHeader, "header entry '__metadata__.k' appears twice"),
        ("tensor named twice", file(#""a":{"dtype":"F32","shape":[6],"data_offsets":[0,24]},"a":{"dtype":"F32","shape":[6],"data_offsets":[0,24]}"#), .badHeader, "header entry 'a' appears twice"),
        ("entry not an object", file(#""a":[0,24]"#), .badHeader, "header entry 'a' has the wrong type"),
        ("entry null", file(#""a":null"#), .badHeader, "header entry 'a' is null"),
        ("dtype a number", file(#""a":{"dtype":32,"shape":[6],"data_offsets":[0,24]}"#), .badHeader, "header entry 'a.dtype' has the wrong type"),
        ("shape of strings", file(#""a":{"dtype":"F32","shape":[2,"3"],"data_offsets":[0,24]}"#), .badHeader, "header entry 'a.shape[1]' has the wrong type"),
        ("offsets null", file(#""a":{"dtype":"F32","shape":[6],"data_offsets":null}"#), .badHeader, "header entry 'a.data_offsets' is null"),
        ("offset null", file(#""a":{"dtype":"F32","shape":[6],"data_offsets":[0,null]}"#), .badHeader, "header entry 'a.data_offsets[1]' is null"),
        ("no shape", file(#""a":{"dtype":"F32","data_offsets":[0,24]}"#), .badHeader, "header entry 'a' has no 'shape'"),
        ("trailing comma", file(#""a":{"dtype":"F32","shape":[6],"data_offsets":[0,24],}"#), .badHeader, "not a JSON object"),
        ("data after the object", SafeTensorsWriter.file(header: #"{"a":{"dtype":"F32","shape":[6],"data_offsets":[0,24]}} {}"#, data: data), .badHeader, "not a JSON object"),
        ("nested past the limit", file(#""a":{"dtype":"F32","shape":[6],"data_offsets":[0,24],"x":"# + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}"), .badHeader, "not a JSON object"),
        ("invalid UTF-8 in a name", SafeTensorsWriter.file(header: #"{"a?":{"dtype":"F32","shape":[6],"data_offsets":[0,24]}}"#, data: data).map { $0 == UInt8(ascii: "?") ? 0xFF : $0 }, .badHeader, "not a JSON object"),
        ("wrong dtype", file(#""a":{"dtype":"F16","shape":[12],"data_offsets":[0,24]}"#), .badTensor, "dtype F16"),
        ("negative dimension", file(#""a":{"dtype":"F32","shape":[-6],"data_offsets":[0,24]}"#), .badTensor, "negative dimension"),
        ("shape overflows", file(#""a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,24]}"#), .badTensor, "overflows"),
        ("shape bigger than offsets", file(#""a":{"dtype":"F32","shape":[7],"data_offsets":[0,24]}"#), .badTensor, "needs 28"),
        ("three offsets", file(#""a":{"dtype":"F32","shape":[6],"data_offsets":[0,12,24]}"#), .badTensor, "expected [begin, end]"),
        ("offsets reversed", file(#""a":{"dtype":"F32","shape":[0],"data_offsets":[24,0]}"#), .badTensor, "not ordered"),
        ("negative offset", file(#""a":{"dtype":"F32","shape":[7],"data_offsets":[-4,24]}"#), .badTensor, "not ordered"),
        ("offsets past the data", file(#""a":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}"#), .truncated, "run past the 24-byte data"),
        ("huge offsets", file(#""a":{"dtype":"F32","shape":[1],"data_offsets":[9223372036854775800,9223372036854775804]}"#), .truncated, "run past"),
        ("overlapping tensors", file(#""a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}"#), .badTensor, "'b' overlaps tensor 'a'"),
        ("same bytes twice", file(#""a":{"dtype":"F32","shape":[6],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[6],"data_offsets":[0,24]}"#), .badTensor, "overlaps"),
        ("gap between tensors", file(#""a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}"#), .badTensor, "8 unused bytes before tensor 'b'"),
        ("bytes after the last tensor", file(#""a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}"#), .badTensor, "8 bytes after the last tensor"),
        ("file cut inside the data", Array(file(good).dropLast(3)), .truncated, "run past the 21-byte data"),
    ]

    @Test(arguments: hostile.indices)
    func rejectsHostileFile(index: Int) throws {
        let (name, bytes, kind, reason) = Self.hostile[index]
        let file = try TemporaryFile(bytes: bytes)
        let error = #expect(throws: ModelFileError.self, "\(name)") { try SafeTensors(contentsOfFile: file.path) }
        #expect(error?.kind == kind, "\(name): \(error?.description ?? "")")
        #expect(error?.reason.contains(reason) == true, "\(name): \(error?.description ?? "")")
        #expect(error?.description.hasPrefix(file.path + ": ") == true)
        #expect(error?.description.contains("\n") == false)
    }

    @Test func rejectsMissingAndUnreadablePaths() {
        let missing = #expect(throws: ModelFileError.self) { try SafeTensors(contentsOfFile: "/nonexistent/model.safetensors") }
        #expect(missing?.kind == .unreadable)
        #expect(missing?.description == "/nonexistent/model.safetensors: cannot open: No such file or directory")
        let directory = #expect(throws: ModelFileError.self) { try SafeTensors(contentsOfFile: "/tmp") }
        #expect(directory?.kind == .unreadable)
        #expect(directory?.reason == "not a regular file")
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("moodmodel-fifo-\(UUID().uuidString)").path
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        let pipe = #expect(throws: ModelFileError.self) { try SafeTensors(contentsOfFile: fifo) }  // returns, not hangs
        #expect(pipe?.reason == "not a regular file")
    }

    /// Every prefix of a real (small) model file and seeded random corruptions of its header: each
    /// either loads or is one ModelFileError; none may trap or read out of bounds.
    @Test func survivesTruncationAndCorruption() throws {
        let bytes = SafeTensorsWriter.randomModel(smallConfig, seed: 5).bytes()
        let headerEnd = 8 + Int(bytes[0]) + Int(bytes[1]) << 8
        var rejected = 0, tried = 0
        func attempt(_ candidate: [UInt8]) {
            tried += 1
            do throws(ModelFileError) {
                _ = try MusicnnWeights(file: SafeTensors(bytes: candidate, path: "m"), config: smallConfig)
            } catch {
                rejected += 1
            }
        }
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 400)) { attempt(Array(bytes[0..<length])) }
        var rng = SeededRandom(seed: 11)
        for _ in 0..<400 {
            var corrupt = bytes
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                corrupt[Int.random(in: 0..<headerEnd, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            attempt(corrupt)
        }
        #expect(rejected > tried / 2, "\(rejected) of \(tried) damaged files rejected")
        attempt(bytes)
        #expect(tried - rejected >= 1)  // the intact file loads
    }
}
