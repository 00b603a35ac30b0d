/// A parsed configuration file in the subset of TOML 1.0 moodd needs.
///
/// Supported: `key = value` with bare, quoted and dotted keys; `[table]` and `[dotted.table]` headers;
/// basic strings with all TOML escapes (`\" \\ \b \t \n \f \r \uXXXX \UXXXXXXXX`) and literal
/// strings; decimal, `0x`, `0o` and `0b` integers with `_` separators; floats, `inf` and `nan`;
/// booleans; arrays (which may span lines, with comments and a trailing comma); `#` comments.
/// Not supported, and reported as errors rather than misread: multi-line strings, inline tables,
/// arrays of tables, dates and times.
///
/// Every entry keeps its line and the source text of its value, for messages like
/// `moodd.conf:12: key 'smoothing.dwell': expected a number of seconds, got "ten"`.
public struct TOMLDocument: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// The full dotted key, table prefix included: `smoothing.dwell`.
        public var key: String
        public var value: TOMLValue
        /// 1-based line of the key.
        public var line: Int
        /// The value as written in the file.
        public var text: String
    }

    public struct Table: Sendable, Equatable {
        public var name: String
        public var line: Int
    }

    /// In file order.
    public var entries: [Entry] = []
    /// `[table]` headers, in file order.
    public var tables: [Table] = []

    public subscript(key: String) -> Entry? { entries.first { $0.key == key } }

    public static func parse(_ text: String) throws(TOMLError) -> TOMLDocument {
        var parser = TOMLParser(Array(text.utf8))
        return try parser.document()
    }

    /// Parses `text` as a lone TOML value (`10`, `"x"`, `[1, 2]`); nil if it is not exactly one value.
    /// Command-line overrides use it to give `--set smoothing.dwell=10` the file's typing.
    public static func parseValue(_ text: String) -> TOMLValue? {
        var parser = TOMLParser(Array(text.utf8))
        parser.skipBlanks()
        guard let value = try? parser.value() else { return nil }
        parser.skipBlanks()
        return parser.atEnd ? value : nil
    }
}

public enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    case array([TOMLValue])

    /// The value written back as TOML; `TOMLDocument.parseValue(v.literal) == v` for every finite value.
    public var literal: String {
        switch self {
        case .string(let s): return Self.quoted(s)
        case .integer(let i): return String(i)
        case .float(let d):
            if d.isNaN { return "nan" }
            if d.isInfinite { return d < 0 ? "-inf" : "inf" }
            let text = "\(d)"  // shortest round-trip form, e.g. 1.5, 1e-05, 10.0
            return text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? text : text + ".0"
        case .boolean(let b): return b ? "true" : "false"
        case .array(let elements): return "[" + elements.map(\.literal).joined(separator: ", ") + "]"
        }
    }

    /// A TOML basic string with the escapes needed to read back as `s`.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{00}"..."\u{1F}", "\u{7F}":
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// What kind of value this is, for messages: `a string`, `an integer`...
    public var kindDescription: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .boolean: "a boolean"
        case .array: "an array"
        }
    }
}

public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based.
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}
