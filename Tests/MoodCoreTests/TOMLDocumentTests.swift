import MoodCore
import Testing

@Suite struct TOMLDocumentTests {
    @Test func parsesTheSubset() throws {
        let doc = try TOMLDocument.parse("""
            # leading comment
            top = "level"   # trailing comment
            [socket]
            path = "/run/moodd/moodd.sock"
            mode = '0660'
            "quoted key" = 1_000
            [smoothing.inner]
            dwell = 10.5
            hex = 0xFF
            oct = 0o755
            bin = 0b101
            exp = -1.5e-3
            big = +inf
            on = true
            off = false
            dotted.key = "x"
            list = [
              "mood",  # why
              'change',
            ]
            empty = []
            esc = "tab\\t quote\\" back\\\\ nl\\n \\u00e9 \\U0001F3B5"
            """)
        let values = Dictionary(uniqueKeysWithValues: doc.entries.map { ($0.key, $0.value) })
        #expect(values["top"] == .string("level"))
        #expect(values["socket.path"] == .string("/run/moodd/moodd.sock"))
        #expect(values["socket.mode"] == .string("0660"))
        #expect(values["socket.quoted key"] == .integer(1000))
        #expect(values["smoothing.inner.dwell"] == .float(10.5))
        #expect(values["smoothing.inner.hex"] == .integer(255))
        #expect(values["smoothing.inner.oct"] == .integer(0o755))
        #expect(values["smoothing.inner.bin"] == .integer(5))
        #expect(values["smoothing.inner.exp"] == .float(-0.0015))
        #expect(values["smoothing.inner.big"] == .float(.infinity))
        #expect(values["smoothing.inner.on"] == .boolean(true))
        #expect(values["smoothing.inner.off"] == .boolean(false))
        #expect(values["smoothing.inner.dotted.key"] == .string("x"))
        #expect(values["smoothing.inner.list"] == .array([.string("mood"), .string("change")]))
        #expect(values["smoothing.inner.empty"] == .array([]))
        #expect(values["smoothing.inner.esc"] == .string("tab\t quote\" back\\ nl\n é 🎵"))
        #expect(doc["smoothing.inner.dwell"]?.line == 8)
        #expect(doc["smoothing.inner.esc"]?.line == 22)
        #expect(doc["socket.mode"]?.text == "'0660'")
        #expect(doc.tables.map(\.name) == ["socket", "smoothing.inner"])
    }

    @Test func acceptsCRLFAndAMissingFinalNewline() throws {
        let doc = try TOMLDocument.parse("a = 1\r\n[t]\r\nb = \"x\"")
        #expect(doc.entries.map(\.key) == ["a", "t.b"])
        #expect(doc["t.b"]?.line == 3)
    }

    @Test(arguments: [
        ("a = 1\na = 2", 2, "key 'a' defined twice (first on line 1)"),
        ("[t]\n[t]", 2, "table [t] defined twice (first on line 1)"),
        ("t = 1\n[t]", 2, "'t' is a value, not a table"),
        ("[t]\nx = 1\n[u]\nt = 2\n[t.x]", 5, "'t.x' is a value, not a table"),
        ("a.b = 1\na = 2", 2, "'a' is a table, not a value"),
        ("\n\na = ", 3, "expected a value"),
        ("a = \"open", 1, "unterminated string"),
        ("a = \"bad \\q\"", 1, "invalid escape '\\q' in a string"),
        ("a = \"\\uD800\"", 1, "invalid Unicode escape in a string"),
        ("a = 0660", 1, "invalid number 0660: leading zeros are not allowed (octal is written 0o..., or quote it)"),
        ("a = 1__0", 1, "invalid value 1__0"),
        ("a = 1.", 1, "invalid number 1."),
        ("a = ten", 1, "invalid value ten"),
        ("a = 1979-05-27", 1, "dates and times are not supported"),
        ("a = 99999999999999999999", 1, "integer 99999999999999999999 is out of range"),
        ("a = 1 2", 1, "expected the end of the line"),
        ("a = [1, 2", 1, "unterminated array"),
        ("a = [1 2]", 1, "expected ',' or ']' in an array"),
        ("a = {x = 1}", 1, "inline tables are not supported"),
        ("[[t]]", 1, "arrays of tables ([[...]]) are not supported"),
        ("a = \"\"\"x\"\"\"", 1, "multi-line strings are not supported"),
        ("a 1", 1, "expected '=' after the key"),
        ("= 1", 1, "invalid character in a key"),
        ("[t\nx = 1", 1, "expected ']' after the table name"),
        ("a = \"tab\u{01}\"", 1, "control character in a string; write it as an escape"),
    ])
    func errorsNameTheLine(text: String, line: Int, message: String) {
        #expect(throws: TOMLError(line: line, message: message)) { try TOMLDocument.parse(text) }
    }

    /// A 60,000-deep array used to overflow the stack (SIGSEGV, no message); the bound is the one the
    /// client-command JSON parser has, `NestingLimit`.
    @Test func nestingIsBoundedLikeJSON() throws {
        let limit = NestingLimit.maxDepth
        func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
        #expect(throws: Never.self) { try TOMLDocument.parse("x = " + nested(limit)) }
        #expect(throws: TOMLError(line: 2, message: "nesting deeper than \(limit)")) {
            try TOMLDocument.parse("# hostile\nx = " + nested(limit + 1))
        }
        #expect(throws: TOMLError(line: 1, message: "nesting deeper than \(limit)")) {
            try TOMLDocument.parse("x = " + String(repeating: "[", count: 60_000))
        }
        #expect(TOMLDocument.parseValue(String(repeating: "[", count: 60_000)) == nil)
        #expect(JSONValue.maxDepth == limit)
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array(String(repeating: "[", count: 60_000).utf8)) }
    }

    @Test(arguments: [
        TOMLValue.string("plain"), .string("q\"b\\n\n\t\u{1}\u{7F}é"), .integer(-42), .float(1.5), .float(10),
        .float(1e-5), .float(-.infinity), .boolean(true), .array([.string("a"), .integer(1)]), .array([]),
    ])
    func literalsReadBack(value: TOMLValue) {
        #expect(TOMLDocument.parseValue(value.literal) == value)
    }

    @Test func parseValueWantsExactlyOneValue() {
        #expect(TOMLDocument.parseValue("10") == .integer(10))
        #expect(TOMLDocument.parseValue(" 1.5 ") == .float(1.5))
        #expect(TOMLDocument.parseValue("ten") == nil)
        #expect(TOMLDocument.parseValue("1 2") == nil)
        #expect(TOMLDocument.parseValue("") == nil)
    }
}
