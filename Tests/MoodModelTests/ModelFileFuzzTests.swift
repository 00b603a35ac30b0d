import Foundation
@testable import MoodModel
import MoodCore
import MoodTestKit
import Testing

/// Seeded mutation fuzzing of the model-file loaders on the two shipped models (the musicnn backbone
/// and the 4-quadrant mood model), for `MOODD_FUZZ_SECONDS` (15 s by default; `scripts/fuzz` runs it
/// longer with a random seed). Each case loads through every loader `moodd` uses (`SafeTensors`,
/// `MusicnnWeights`, the heads, `MoodClassifier` as `moodd run` and `classify` build it) and must
/// either load or be refused with one `ModelFileError` line naming the file.
///
/// Most cases mutate the header: its JSON structure (`JSONMutator`: dtypes, shapes, offsets, keys,
/// metadata and the JSON inside it, huge and negative numbers, unicode, deep nesting), model-aware
/// edits that keep the file self-consistent (permuted shapes, swapped or renamed tensors), or its raw
/// bytes (`ByteMutator`); a few damage tensor values or the whole file. The 3 MB of tensor data are
/// shared and loaded from memory; one case in 16 also goes through a file, as `moodd` reads it.
///
/// What it can't: a file that loads is only checked to load, not to compute sense (a permuted
/// tensor of the same shape is a valid, wrong model, as any file of the right shapes is).
@Suite(.serialized) struct ModelFileFuzzTests {
    struct Model {
        var name: String
        var header: JSONMutator.Node
        var headerText: [UInt8]
        var data: [UInt8]
        var tensors: [(name: String, range: Range<Int>)]  // byte ranges in `data`
    }

    static let models: [Model] = ["msd_musicnn", "moodd-4q"].compactMap { name in
        guard let file = FileManager.default.contents(atPath: Fixtures.directory + "../../models/\(name).safetensors") else { return nil }
        let bytes = [UInt8](file)
        let n = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        guard let json = try? JSONValue.parse(bytes[8..<(8 + n)]), let tensors = try? SafeTensors(bytes: bytes, path: name) else { return nil }
        return Model(name: name, header: JSONMutator.Node(json), headerText: Array(bytes[8..<(8 + n)]), data: Array(bytes[(8 + n)...]),
                     tensors: tensors.entries.map { ($0.key, $0.value.byteRange) }.sorted { $0.range.lowerBound < $1.range.lowerBound })
    }

    @Test func mutatedModelFilesLoadOrAreRefusedInOneLine() throws {
        let settings = FuzzLoop.Settings.fromEnvironment(defaultSeconds: 15, defaultSeed: 0x6D6F_6F64_646D_6F64)
        let directory = try TemporaryDirectory()
        #expect(Self.models.count == 2, "models/ missing")
        let report = FuzzLoop.run("model", settings: settings) { index, seed in
            var rng = SeededRandom(seed: seed)
            let model = Self.models[Int.random(in: 0..<Self.models.count, using: &rng)]
            let (bytes, log) = Self.mutated(model, seed: rng.next())
            let path = directory.path + "/case\(index).safetensors"
            let outcome = Self.load(bytes, path: path)
            if index % 16 == 0 {
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                defer { unlink(path) }
                let fromFile = Self.loadFromFile(path)
                guard fromFile == outcome else { throw FuzzFailure("\(model.name) after \(log): from memory \(outcome), from the file \(fromFile)") }
            }
            if settings.onlyCase != nil { print("case \(index): \(model.name) after \(log): \(outcome)") }
            if outcome.hasPrefix("!") { throw FuzzFailure("\(model.name) after \(log): \(outcome.dropFirst())") }
            return outcome
        }
        print(report)
        for failure in report.failures { Issue.record(Comment(rawValue: failure)) }
        if settings.onlyCase == nil { #expect(report.outcomes["loaded", default: 0] + report.outcomes["backbone only", default: 0] > 0) }
        #expect((report.residentGrowth ?? 0) < (64 << 20) + 1024 * report.cases, "\(report)")
        // The largest cases build 30 MB headers (deep nesting, repeated) and hold them 3-4 times over.
        #expect((report.largestCasePeak?.bytes ?? 0) < 512 << 20, "\(report)")
    }

    /// Found by the loop (seed 0x6dfbec29, case 3974): a dtype of "line\nbreak" came back verbatim,
    /// splitting the error over two lines. Minimized: the file's own strings with a newline, an escape
    /// and a line separator, quoted by three different checks.
    @Test(arguments: [
        (#""a":{"dtype":"line\nbreak","shape":[1],"data_offsets":[0,4]}"#, #"dtype line\nbreak, only F32"#),
        (#""\u001b[31mred":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}"#, #"tensor '\u{1B}[31mred': data_offsets span 8"#),
        (#""a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__":{"format":"x\u2028y"}"#, #"format is 'x\u{2028}y'"#),
    ])
    func fileTextInAnErrorStaysOnOneLine(entries: String, expected: String) throws {
        let bytes = SafeTensorsWriter.file(header: "{\(entries)}", data: [UInt8](repeating: 0, count: entries.contains("0,8") ? 8 : 4))
        do throws(ModelFileError) {
            _ = try MusicnnWeights(file: SafeTensors(bytes: bytes, path: "m.safetensors"))
            Issue.record("loaded")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
            #expect(Self.check(error, path: "m.safetensors") == nil, "\(error.description)")
        }
    }

    /// One mutated model file, and what was done to it.
    static func mutated(_ model: Model, seed: UInt64) -> ([UInt8], [String]) {
        var rng = SeededRandom(seed: seed)
        var header = model.headerText
        var data = model.data
        var log: [String] = []
        switch Int.random(in: 0..<100, using: &rng) {
        case 0..<45:
            var json = JSONMutator(seed: rng.next())
            var node = model.header
            for _ in 0..<Int.random(in: 1...3, using: &rng) { json.mutate(&node) }
            header = Array(node.text.utf8)
            log = json.log
        case 45..<70:
            var node = model.header
            for _ in 0..<Int.random(in: 1...2, using: &rng) { log.append(ModelEdits.apply(to: &node, model: model, rng: &rng)) }
            header = Array(node.text.utf8)
        case 70..<85:
            var bytes = ByteMutator(seed: rng.next(), maxLength: header.count + 4096, headerBytes: header.count)
            bytes.mutate(&header, maxSteps: 3)
            log = bytes.log
        case 85..<95:
            let tensor = model.tensors.randomElement(using: &rng)!
            let values: [Float] = [.nan, .infinity, -.infinity, -1, 3e38, -3e38, .leastNonzeroMagnitude, 0]
            for _ in 0..<Int.random(in: 1...3, using: &rng) where !tensor.range.isEmpty {
                let v = values.randomElement(using: &rng)!
                let at = tensor.range.lowerBound + 4 * Int.random(in: 0..<(tensor.range.count / 4), using: &rng)
                withUnsafeBytes(of: v.bitPattern.littleEndian) { data.replaceSubrange(at..<(at + 4), with: $0) }
                log.append("\(tensor.name)[\((at - tensor.range.lowerBound) / 4)] = \(v)")
            }
        default:
            var whole = Self.assemble(header, data, declared: nil)
            var bytes = ByteMutator(seed: rng.next(), maxLength: whole.count + 4096, headerBytes: 8 + header.count)
            bytes.mutate(&whole, maxSteps: 2)
            return (whole, bytes.log)
        }
        // Padded to 8 bytes as safetensors writes it, mostly; the length field right, mostly.
        if Int.random(in: 0..<10, using: &rng) > 0 { header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8) }
        let declared: UInt64? = Int.random(in: 0..<20, using: &rng) == 0
            ? ByteMutator.interesting(width: 8).randomElement(using: &rng)! : nil
        if let declared { log.append("length field \(declared)") }
        return (assemble(header, data, declared: declared), log)
    }

    static func assemble(_ header: [UInt8], _ data: [UInt8], declared: UInt64?) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + header.count + data.count)
        let n = declared ?? UInt64(header.count)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(i)))) }
        bytes += header
        bytes += data
        return bytes
    }

    /// Loads `bytes` as `moodd run` / `classify` / `tags` do, from memory. Returns "loaded", "backbone
    /// only" or the refusal's kind; a leading "!" marks a broken contract.
    static func load(_ bytes: [UInt8], path: String) -> String {
        do throws(ModelFileError) {
            let file = try SafeTensors(bytes: bytes, path: path)
            let weights = try MusicnnWeights(file: file)
            _ = Musicnn(weights: weights)                       // `moodd tags`
            let classifier = try MoodClassifier(file: file)     // `moodd run` and `classify`
            let heads = try MoodClassifier.heads(in: file, backbone: weights.config)
            let mood = heads.first { $0.name != MoodClassifier.contentHeadName }
            return mood?.labels == classifier.labels.names ? "loaded" : "!labels lost"
        } catch {
            if error.reason.hasPrefix("the model has no heads") { return "backbone only" }
            return check(error, path: path) ?? error.kind.rawValue
        }
    }

    /// The same through the path-taking initializers; "backbone only" is the convenience init's refusal.
    static func loadFromFile(_ path: String) -> String {
        do throws(ModelFileError) {
            _ = try Musicnn(contentsOfFile: path)
            _ = try MoodClassifier(contentsOfFile: path)
            return "loaded"
        } catch {
            if error.reason.hasPrefix("the model has no heads") { return "backbone only" }
            return check(error, path: path) ?? error.kind.rawValue
        }
    }

    /// nil if `error` is one line naming `path`, else the complaint.
    static func check(_ error: ModelFileError, path: String) -> String? {
        let line = error.description
        guard line.hasPrefix(path + ": "), error.reason.count >= 8, !line.contains(where: \.isNewline),
              !line.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }), line.utf8.count < 2000 else {
            return "!unclear error: \(line.prefix(300).debugDescription) (\(line.utf8.count) bytes)"
        }
        return nil
    }
}
