@testable import MoodCore
import Testing

@Suite struct JSONWriterTests {
    @Test(arguments: [
        (0.71, 4, "0.71"), (0.709_96, 4, "0.71"), (0.000_05, 4, "0.0001"), (0.000_04, 4, "0"),
        (-0.000_01, 4, "0"), (1, 4, "1"), (-1, 4, "-1"), (123.456_78, 4, "123.4568"), (-23.44, 1, "-23.4"),
        (-23.45, 1, "-23.5"), (100, 0, "100"), (2.5, 0, "3"), (0.1, 9, "0.1"), (1e20, 2, "1e+20"),
        (.nan, 4, "null"), (.infinity, 4, "null"), (-.infinity, 1, "null"),
    ])
    func numbers(value: Double, decimals: Int, text: String) {
        var w = JSONWriter()
        w.number(value, decimals: decimals)
        #expect(String(decoding: w.bytes, as: UTF8.self) == text)
    }

    @Test(arguments: [0, 7, -7, Int.max, Int.min])
    func integers(value: Int) {
        var w = JSONWriter()
        w.integer(value)
        #expect(String(decoding: w.bytes, as: UTF8.self) == String(value))
    }

    @Test func stringEscapes() {
        var w = JSONWriter()
        w.string("a\"b\\c\n\u{0}\u{1B}\u{2028}é\u{2027}")
        #expect(String(decoding: w.bytes, as: UTF8.self) == #""a\"b\\c\n\u0000\u001b\u2028é\#u{2027}""#)
    }
}

@Suite struct JSONValueTests {
    @Test func parsesEveryKindKeepingMemberOrder() throws {
        let v = try JSONValue.parse(#" {"z":1,"a":[true,false,null,-0.5e1,"x\u00e9\ud83c\udfb5"],"m":{}} "#)
        #expect(v == .object([
            .init("z", .number(1)),
            .init("a", .array([.bool(true), .bool(false), .null, .number(-5), .string("xé🎵")])),
            .init("m", .object([])),
        ]))
        #expect(v["a"] != nil && v["q"] == nil)
    }

    @Test(arguments: [
        "", "{", "{\"a\"}", "{\"a\":1,}", "[1,]", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "\"\u{01}\"",
        "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "{'a':1}", "[1] 2", "1e999", "\"abc",
    ])
    func rejectsInvalidJSON(text: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func nestingIsBounded() throws {
        let ok = String(repeating: "[", count: JSONValue.maxDepth) + String(repeating: "]", count: JSONValue.maxDepth)
        _ = try JSONValue.parse(ok)
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONValue.ParseError(message: "nesting deeper than \(JSONValue.maxDepth)", offset: JSONValue.maxDepth)) {
            try JSONValue.parse(deep)
        }
    }
}
