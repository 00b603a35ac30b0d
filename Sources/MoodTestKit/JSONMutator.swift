import MoodCore

/// Seeded structure-aware mutations of a JSON document, for fuzzing parsers of JSON headers (the
/// safetensors header, the model file's `heads` metadata): values swapped for the ones most likely
/// to break a schema (0, -1, 2^31, 2^63, 2^64, 1e400, "", huge strings, control characters,
/// right-to-left marks, NUL), members deleted, duplicated or renamed, arrays grown and shrunk, and
/// values wrapped in nesting deep enough to exhaust a recursive parser's stack.
///
/// What it can't: the document must parse (`JSONValue`, depth <= 32) before it can be mutated;
/// numbers are kept as `Double`s, so integers beyond 2^53 exist only as the literal text it writes.
/// Broken syntax (a cut string, a stray brace) is left to `ByteMutator` on the serialized text.
public struct JSONMutator {
    /// A document as it is edited: members keep their order and may repeat; `raw` text is written
    /// as is (numbers no `Double` holds, deep nesting).
    public indirect enum Node: Sendable, Equatable {
        case null, bool(Bool), number(Double), string(String), raw(String)
        case array([Node])
        case object([Member])

        public struct Member: Sendable, Equatable {
            public var key: String
            public var value: Node
            public init(_ key: String, _ value: Node) { (self.key, self.value) = (key, value) }
        }

        public init(_ value: JSONValue) {
            switch value {
            case .null: self = .null
            case .bool(let b): self = .bool(b)
            case .number(let d): self = .number(d)
            case .string(let s): self = .string(s)
            case .array(let items): self = .array(items.map(Node.init))
            case .object(let members): self = .object(members.map { Member($0.key, Node($0.value)) })
            }
        }

        /// Compact JSON text; integral numbers within 2^63 are written without a fraction.
        public var text: String {
            switch self {
            case .null: return "null"
            case .bool(let b): return b ? "true" : "false"
            case .number(let d): return d == d.rounded() && d.magnitude < 9.2e18 ? String(Int64(d)) : "\(d)"
            case .string(let s): return JSONMutator.quoted(s)
            case .raw(let r): return r
            case .array(let items): return "[" + items.map(\.text).joined(separator: ",") + "]"
            case .object(let members):
                return "{" + members.map { JSONMutator.quoted($0.key) + ":" + $0.value.text }.joined(separator: ",") + "}"
            }
        }
    }

    public var rng: SeededRandom
    /// What each mutation did, one short phrase each.
    public private(set) var log: [String] = []

    public init(seed: UInt64) { rng = SeededRandom(seed: seed) }

    /// Values at the edges of what a schema checks, as JSON text.
    public static let interestingValues: [String] = [
        "0", "-1", "1", "2", "-0", "0.5", "1e-45", "2147483647", "2147483648", "4294967296", "9007199254740993",
        "9223372036854775807", "9223372036854775808", "18446744073709551616", "-9223372036854775809",
        "1e308", "1e400", "-1e400", "true", "null", "[]", "{}", "[0]", "[[]]", "\"\"", "\"F32\"", "\"F16\"",
        "\"0\"", "\"-1\"", "\"nan\"", "\"1e-400\"", "\"\\u0000\"", "\"line\\nbreak\"", "\"\\u202emood\"",
        "\"\\ud83c\\udfb5\"", "\"\\ud800\"", "\"heads.mood.input_mean\"", "\"musicnn\"", "\"dense\"", "\"relu\"",
    ]

    /// Applies one mutation to a node of `node` chosen uniformly among all its nodes (itself included).
    public mutating func mutate(_ node: inout Node) {
        var count = 0
        Self.countNodes(node, &count)
        var target = Int.random(in: 0..<count, using: &rng)
        edit(&node, &target)
    }

    private static func countNodes(_ node: Node, _ count: inout Int) {
        count += 1
        switch node {
        case .array(let items): for item in items { countNodes(item, &count) }
        case .object(let members): for m in members { countNodes(m.value, &count) }
        default: break
        }
    }

    /// Walks to the `target`-th node in pre-order and mutates it.
    private mutating func edit(_ node: inout Node, _ target: inout Int) {
        if target == 0 {
            target = -1
            change(&node)
            return
        }
        target -= 1
        switch node {
        case .array(var items):
            for i in items.indices where target >= 0 { edit(&items[i], &target) }
            node = .array(items)
        case .object(var members):
            for i in members.indices where target >= 0 { edit(&members[i].value, &target) }
            node = .object(members)
        default: break
        }
    }

    private mutating func change(_ node: inout Node) {
        switch Int.random(in: 0..<100, using: &rng) {
        case 0..<35:
            let value = Self.interestingValues.randomElement(using: &rng)!
            node = .raw(value)
            log.append("value \(value)")
        case 35..<50:
            switch node {
            case .number(let d):
                let new = [d + 1, d - 1, d * 2, -d, d * 1e6, d + 0.5, d * 4, d / 4].randomElement(using: &rng)!
                node = .number(new)
                log.append("number \(d) -> \(new)")
            case .string(let s) where !s.isEmpty:
                let new = [String(s.dropLast()), s + s, s.uppercased(), s + "\u{0}", "\u{FEFF}" + s, String(s.reversed())]
                    .randomElement(using: &rng)!
                node = .string(new)
                log.append("string \(s.prefix(24).debugDescription) edited")
            default:
                node = .string(String(repeating: "x", count: [1000, 100_000].randomElement(using: &rng)!))
                log.append("long string")
            }
        case 50..<65:
            switch node {
            case .array(var items) where !items.isEmpty:
                let i = Int.random(in: 0..<items.count, using: &rng)
                if Bool.random(using: &rng) { items.remove(at: i) } else { items.insert(items[i], at: i) }
                node = .array(items)
                log.append("array element \(i) removed or doubled")
            case .object(var members) where !members.isEmpty:
                let i = Int.random(in: 0..<members.count, using: &rng)
                let key = members[i].key
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: members.remove(at: i); log.append("member '\(key)' removed")
                case 1: members.append(members[i]); log.append("member '\(key)' duplicated")
                default:
                    members[i].key = [key + "\u{301}", key.uppercased(), "", key + "\n", "__metadata__", "heads.mood.x"]
                        .randomElement(using: &rng)!
                    log.append("member '\(key)' renamed")
                }
                node = .object(members)
            default:
                node = .array([node, node])
                log.append("wrapped in an array")
            }
        case 65..<75:
            let depth = [33, 513, 10_000, 100_000].randomElement(using: &rng)!
            let object = Bool.random(using: &rng)
            node = .raw(String(repeating: object ? "{\"a\":" : "[", count: depth) + node.text
                + String(repeating: object ? "}" : "]", count: depth))
            log.append("nested \(depth) deep")
        case 75..<85:
            let copies = [0, 5, node.text.utf8.count < 64 ? 10_000 : 50].randomElement(using: &rng)!
            node = .array((0..<copies).map { _ in node })
            log.append("repeated into an array")
        default:
            // A string that holds JSON (metadata values) is mutated inside, then stored back as a string.
            if case .string(let s) = node, let inner = try? JSONValue.parse(s) {
                var child = Node(inner)
                mutate(&child)
                node = .string(child.text)
                log.append("inside the string")
            } else {
                node = .null
                log.append("null")
            }
        }
    }

    /// `s` as a JSON string literal, escaped as the daemon's own writer escapes it.
    public static func quoted(_ s: String) -> String { JSONValue.string(s).encoded() }
}
