/// The recursive-descent parser behind `TOMLDocument`; works on UTF-8 bytes, counting lines.
struct TOMLParser {
    let bytes: [UInt8]
    var index = 0
    var line = 1

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }
    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    func peek(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }

    func fail(_ message: String) -> TOMLError { TOMLError(line: line, message: message) }

    /// Spaces and tabs.
    mutating func skipBlanks() {
        while let c = current, c == 0x20 || c == 0x09 { index += 1 }
    }

    /// A comment through the end of its line (not the newline itself).
    mutating func skipComment() throws(TOMLError) {
        guard current == UInt8(ascii: "#") else { return }
        while let c = current, c != 0x0A {
            if c < 0x20 && c != 0x09 && !(c == 0x0D && peek(1) == 0x0A) || c == 0x7F {
                throw fail("control character in a comment")
            }
            index += 1
        }
    }

    /// A newline (`\n` or `\r\n`) or the end of input; false if something else is next.
    mutating func newline() -> Bool {
        if atEnd { return true }
        if current == 0x0A { index += 1; line += 1; return true }
        if current == 0x0D, peek(1) == 0x0A { index += 2; line += 1; return true }
        return false
    }

    mutating func document() throws(TOMLError) -> TOMLDocument {
        var doc = TOMLDocument()
        var table: [String] = []
        var valueKeys: [String: Int] = [:]  // full key -> line
        var tablePaths: Set<String> = []  // every table, explicit or implied by a dotted key
        var declaredTables: [String: Int] = [:]

        func implyTables(_ path: [String]) throws(TOMLError) {
            for n in 1..<max(1, path.count) {
                let prefix = path[0..<n].joined(separator: ".")
                if valueKeys[prefix] != nil { throw fail("'\(prefix)' is a value, not a table") }
                tablePaths.insert(prefix)
            }
        }

        while !atEnd {
            skipBlanks()
            try skipComment()
            if newline() { continue }
            if current == UInt8(ascii: "[") {
                index += 1
                if current == UInt8(ascii: "[") { throw fail("arrays of tables ([[...]]) are not supported") }
                skipBlanks()
                let path = try key()
                guard current == UInt8(ascii: "]") else { throw fail("expected ']' after the table name") }
                index += 1
                let name = path.joined(separator: ".")
                if let first = declaredTables[name] { throw fail("table [\(name)] defined twice (first on line \(first))") }
                if valueKeys[name] != nil { throw fail("'\(name)' is a value, not a table") }
                try implyTables(path + [""])
                declaredTables[name] = line
                tablePaths.insert(name)
                doc.tables.append(.init(name: name, line: line))
                table = path
            } else {
                let keyLine = line
                let path = table + (try key())
                guard current == UInt8(ascii: "=") else { throw fail("expected '=' after the key") }
                index += 1
                skipBlanks()
                let start = index
                let value = try self.value()
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                let name = path.joined(separator: ".")
                if let first = valueKeys[name] { throw TOMLError(line: keyLine, message: "key '\(name)' defined twice (first on line \(first))") }
                if tablePaths.contains(name) { throw TOMLError(line: keyLine, message: "'\(name)' is a table, not a value") }
                try implyTables(path)
                valueKeys[name] = keyLine
                doc.entries.append(.init(key: name, value: value, line: keyLine, text: text))
            }
            skipBlanks()
            try skipComment()
            guard newline() else { throw fail("expected the end of the line") }
        }
        return doc
    }

    /// A dotted key; leaves the position after trailing blanks.
    mutating func key() throws(TOMLError) -> [String] {
        var parts: [String] = []
        while true {
            skipBlanks()
            switch current {
            case UInt8(ascii: "\""): parts.append(try basicString())
            case UInt8(ascii: "'"): parts.append(try literalString())
            default:
                let start = index
                while let c = current, Self.isBareKey(c) { index += 1 }
                guard index > start else { throw fail(atEnd || current == 0x0A ? "expected a key" : "invalid character in a key") }
                parts.append(String(decoding: bytes[start..<index], as: UTF8.self))
            }
            skipBlanks()
            guard current == UInt8(ascii: ".") else { return parts }
            index += 1
        }
    }

    static func isBareKey(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2D
    }

    /// A value; `depth` is how many arrays enclose it, bounded by `NestingLimit` so a hostile file
    /// cannot overflow the stack.
    mutating func value(depth: Int = 0) throws(TOMLError) -> TOMLValue {
        switch current {
        case nil, 0x0A, 0x0D, UInt8(ascii: "#"):
            throw fail("expected a value")
        case UInt8(ascii: "\""):
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") { throw fail("multi-line strings are not supported") }
            return .string(try basicString())
        case UInt8(ascii: "'"):
            if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") { throw fail("multi-line strings are not supported") }
            return .string(try literalString())
        case UInt8(ascii: "["):
            return try array(depth: depth)
        case UInt8(ascii: "{"):
            throw fail("inline tables are not supported")
        default:
            let start = index
            while let c = current, Self.isBareKey(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: ":") {
                index += 1
            }
            let token = String(decoding: bytes[start..<index], as: UTF8.self)
            guard !token.isEmpty else { throw fail("expected a value") }
            switch token {
            case "true": return .boolean(true)
            case "false": return .boolean(false)
            default:
                switch Self.number(token) {
                case .success(let v): return v
                case .failure(let e): throw fail(e.message)
                }
            }
        }
    }

    mutating func array(depth: Int) throws(TOMLError) -> TOMLValue {
        guard depth < NestingLimit.maxDepth else { throw fail(NestingLimit.message) }
        index += 1
        var elements: [TOMLValue] = []
        while true {
            try skipBlanksCommentsAndNewlines()
            if current == UInt8(ascii: "]") { index += 1; return .array(elements) }
            elements.append(try value(depth: depth + 1))
            try skipBlanksCommentsAndNewlines()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(elements)
            case nil: throw fail("unterminated array")
            default: throw fail("expected ',' or ']' in an array")
            }
        }
    }

    mutating func skipBlanksCommentsAndNewlines() throws(TOMLError) {
        while true {
            skipBlanks()
            try skipComment()
            if atEnd || !newline() { return }
        }
    }

    mutating func literalString() throws(TOMLError) -> String {
        index += 1
        let start = index
        while let c = current, c != UInt8(ascii: "'") {
            if c == 0x0A || (c < 0x20 && c != 0x09) || c == 0x7F { throw fail("unterminated or invalid string") }
            index += 1
        }
        guard !atEnd else { throw fail("unterminated string") }
        defer { index += 1 }
        return try utf8(bytes[start..<index])
    }

    mutating func basicString() throws(TOMLError) -> String {
        index += 1
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw fail("unterminated string") }
            index += 1
            switch c {
            case UInt8(ascii: "\""):
                return try utf8(out[...])
            case UInt8(ascii: "\\"):
                guard let e = current else { throw fail("unterminated string") }
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let width = e == UInt8(ascii: "u") ? 4 : 8
                    guard bytes.count - index >= width,
                        let v = UInt32(String(decoding: bytes[index..<index + width], as: UTF8.self), radix: 16),
                        let scalar = Unicode.Scalar(v)
                    else { throw fail("invalid Unicode escape in a string") }
                    index += width
                    out.append(contentsOf: String(Character(scalar)).utf8)
                default:
                    throw fail("invalid escape '\\\(Character(Unicode.Scalar(e)))' in a string")
                }
            case 0x0A, 0x0D:
                throw fail("unterminated string")
            case 0x00..<0x20 where c != 0x09, 0x7F:
                throw fail("control character in a string; write it as an escape")
            default:
                out.append(c)
            }
        }
    }

    func utf8(_ slice: ArraySlice<UInt8>) throws(TOMLError) -> String {
        guard let s = String(validating: slice, as: UTF8.self) else { throw fail("invalid UTF-8 in a string") }
        return s
    }

    /// Integers and floats as TOML 1.0 writes them; errors carry line 0 (the caller knows the line).
    static func number(_ token: String) -> Result<TOMLValue, TOMLError> {
        func bad(_ message: String) -> Result<TOMLValue, TOMLError> { .failure(TOMLError(line: 0, message: message)) }
        var body = Substring(token)
        var sign = ""
        if let first = body.first, first == "+" || first == "-" {
            sign = first == "-" ? "-" : ""
            body = body.dropFirst()
        }
        switch body {
        case "inf": return .success(.float(sign == "-" ? -.infinity : .infinity))
        case "nan": return .success(.float(.nan))
        default: break
        }
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where body.hasPrefix(prefix) {
            let digits = body.dropFirst(2)
            guard sign.isEmpty, token.first != "+", separated(digits, radix: radix),
                let v = Int(digits.filter { $0 != "_" }, radix: radix)
            else { return bad("invalid number \(token)") }
            return .success(.integer(v))
        }
        // Split decimal mantissa / fraction / exponent.
        var mantissa = body
        var exponent: Substring? = nil
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = body[..<e]
            exponent = body[body.index(after: e)...]
        }
        var integral = mantissa
        var fraction: Substring? = nil
        if let dot = mantissa.firstIndex(of: ".") {
            integral = mantissa[..<dot]
            fraction = mantissa[mantissa.index(after: dot)...]
        }
        guard separated(integral, radix: 10) else {
            if token.contains("-") && token.contains(":") || token.filter({ $0 == "-" }).count >= 2 {
                return bad("dates and times are not supported")
            }
            return bad("invalid value \(token)")
        }
        if integral.count > 1, integral.first == "0" {
            return bad("invalid number \(token): leading zeros are not allowed (octal is written 0o..., or quote it)")
        }
        if let fraction, !separated(fraction, radix: 10) { return bad("invalid number \(token)") }
        if var exp = exponent {
            if let s = exp.first, s == "+" || s == "-" { exp = exp.dropFirst() }
            guard separated(exp, radix: 10) else { return bad("invalid number \(token)") }
        }
        let clean = token.filter { $0 != "_" }
        if fraction == nil && exponent == nil {
            guard let v = Int(clean) else { return bad("integer \(token) is out of range") }
            return .success(.integer(v))
        }
        guard let v = Double(clean) else { return bad("invalid number \(token)") }
        return .success(.float(v))
    }

    /// Digits of `radix`, with single underscores only between digits.
    static func separated(_ digits: Substring, radix: Int) -> Bool {
        guard let first = digits.first, let last = digits.last, first != "_", last != "_" else { return false }
        var previousUnderscore = false
        for c in digits {
            if c == "_" {
                if previousUnderscore { return false }
                previousUnderscore = true
            } else {
                guard c.isASCII, c.hexDigitValue.map({ $0 < radix }) == true else { return false }
                previousUnderscore = false
            }
        }
        return true
    }
}
