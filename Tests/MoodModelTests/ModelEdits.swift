import MoodCore
import MoodTestKit

/// Model-aware edits of a safetensors header for the fuzz tests: changes a careless converter or a
/// hostile file could make while keeping the file self-consistent, so that they get past the container
/// checks and reach the architecture and head checks (which random JSON mutation rarely does).
enum ModelEdits {
    typealias Node = JSONMutator.Node

    /// Applies one edit to `header` (the top-level object) and says which.
    static func apply(to header: inout Node, model: ModelFileFuzzTests.Model, rng: inout SeededRandom) -> String {
        guard case .object(var members) = header else { return "not an object" }
        let tensors = members.indices.filter { members[$0].key != "__metadata__" }
        let t = tensors.randomElement(using: &rng)!
        let name = members[t].key
        defer { header = .object(members) }
        switch Int.random(in: 0..<8, using: &rng) {
        case 0:  // same bytes, other shape: a permutation, flattened, or with a 1 added
            let shape = dims(members[t].value)
            let new = [shape.shuffled(using: &rng), [shape.reduce(1, *)], shape + [1], [1] + shape].randomElement(using: &rng)!
            set(&members[t].value, "shape", .array(new.map { .number(Double($0)) }))
            return "'\(name)' shape \(shape) -> \(new)"
        case 1:  // two tensors trade places in the data (equal sizes load; others do not)
            let size = count(members[t].value)
            let same = tensors.filter { count(members[$0].value) == size && $0 != t }
            let u = (Bool.random(using: &rng) ? same.randomElement(using: &rng) : nil) ?? tensors.randomElement(using: &rng)!
            let (a, b) = (field(members[t].value, "data_offsets"), field(members[u].value, "data_offsets"))
            set(&members[t].value, "data_offsets", b)
            set(&members[u].value, "data_offsets", a)
            return "'\(name)' and '\(members[u].key)' swap data"
        case 2:
            let new = [name + "x", "heads.mood.extra", "heads.other.weight", name.uppercased(), name + "\u{301}", "heads.mood",
                       "heads..x", ""].randomElement(using: &rng)!
            members[t].key = new
            return "'\(name)' renamed \(new.debugDescription)"
        case 3:  // an empty tensor at a tensor boundary: tiles, and names something the loader must judge
            let at = offsets(members[t].value).first ?? 0
            let new = ["heads.mood.z", "heads.x.y", "extra", "heads.mood.0.weight", name].randomElement(using: &rng)!
            members.append(.init(new, .object([.init("dtype", .string("F32")), .init("shape", .array([.number(0)])),
                                               .init("data_offsets", .array([.number(Double(at)), .number(Double(at))]))])))
            return "empty tensor \(new.debugDescription) at \(at)"
        case 4:
            members.remove(at: t)
            return "'\(name)' removed"
        case 5:  // another dtype with the same byte count
            let shape = dims(members[t].value)
            let (dtype, scale) = [("F16", 2), ("BF16", 2), ("I32", 1), ("F64", 0), ("f32", 1)].randomElement(using: &rng)!
            set(&members[t].value, "dtype", .string(dtype))
            if scale != 1, let last = shape.last { set(&members[t].value, "shape", .array((shape.dropLast() + [scale == 2 ? last * 2 : last / 2]).map { .number(Double($0)) })) }
            return "'\(name)' dtype \(dtype)"
        default:  // metadata keys the loaders interpret, set to values at their edges
            guard let m = members.firstIndex(where: { $0.key == "__metadata__" }), case .object(var meta) = members[m].value else { return "no metadata" }
            let (key, value) = metadataEdits.randomElement(using: &rng)!
            if let i = meta.firstIndex(where: { $0.key == key }) { meta[i].value = .string(value) } else { meta.append(.init(key, .string(value))) }
            members[m].value = .object(meta)
            return "metadata \(key) = \(value.prefix(60).debugDescription)"
        }
    }

    static let head = #"{"name":"mood","kind":"dense","input":"penultimate","input_size":200,"input_mean":"heads.mood.input_mean","input_scale":"heads.mood.input_scale","layers":[{"weight":"heads.mood.0.weight","bias":"heads.mood.0.bias","activation":"softmax"}]"#

    static let metadataEdits: [(String, String)] = [
        ("bn_epsilon", "0"), ("bn_epsilon", "-0.001"), ("bn_epsilon", "1e-50"), ("bn_epsilon", "nan"), ("bn_epsilon", "1e39"),
        ("bn_epsilon", "inf"), ("format_version", "2"), ("architecture_version", "1.0"), ("format", ""),
        ("frontend_concat", #"["temporal.0","timbral.0"]"#), ("frontend_concat", "[1]"), ("tags", "[]"), ("tags", #"["a"]"#),
        ("input", "{}"), ("input", #"{"sample_rate": 16000}"#), ("heads", "[]"), ("heads", "{}"), ("heads", "[1]"),
        ("heads", "[" + head + #","labels":["happy","angry","sad","relaxed"]}]"#),
        ("heads", "[" + head + #","labels":["silence","angry","sad","relaxed"]}]"#),
        ("heads", "[" + head + #","labels":["happy","happy","sad","relaxed"]}]"#),
        ("heads", "[" + head + #","labels":["a\nb","angry","sad","relaxed"]}]"#),
        ("heads", "[" + head + #","labels":["happy","angry","sad","relaxed"],"valence":[2,0,0,0]}]"#),
        ("heads", "[" + head + #","labels":["happy","angry","sad","relaxed"],"arousal":[1,1,1]}]"#),
        ("heads", "[" + head + #","labels":[]}]"#), ("heads", "[" + head + #","labels":[1,2,3,4]}]"#),
        ("heads", String(repeating: "[", count: 100_000)),
    ]

    static func field(_ entry: Node, _ key: String) -> Node {
        guard case .object(let members) = entry else { return .null }
        return members.first { $0.key == key }?.value ?? .null
    }

    static func set(_ entry: inout Node, _ key: String, _ value: Node) {
        guard case .object(var members) = entry else { return }
        if let i = members.firstIndex(where: { $0.key == key }) { members[i].value = value } else { members.append(.init(key, value)) }
        entry = .object(members)
    }

    static func numbers(_ node: Node) -> [Int] {
        guard case .array(let items) = node else { return [] }
        return items.compactMap { if case .number(let d) = $0, d.magnitude < 1e15 { Int(d) } else { nil } }
    }

    static func dims(_ entry: Node) -> [Int] { numbers(field(entry, "shape")) }
    static func offsets(_ entry: Node) -> [Int] { numbers(field(entry, "data_offsets")) }
    static func count(_ entry: Node) -> Int { offsets(entry).count == 2 ? offsets(entry)[1] - offsets(entry)[0] : -1 }
}
