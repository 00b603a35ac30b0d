import MoodCore
import Testing

@Suite struct LineFramerTests {
    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func splitsLinesAcrossAndWithinChunks() {
        var f = LineFramer(maxLineLength: 64)
        #expect(f.ingest(Self.bytes("{\"cmd\":")) == [])
        #expect(f.bufferedCount == 7)
        #expect(f.ingest(Self.bytes("\"status\"}\nab\r\n\n  \t\r\ncd")) == [.line(Self.bytes("{\"cmd\":\"status\"}")), .line(Self.bytes("ab"))])
        #expect(f.ingest(Self.bytes("\n")) == [.line(Self.bytes("cd"))])
        #expect(f.bufferedCount == 0)
    }

    @Test(arguments: [
        ("abcd\n", [LineFramer.Action.line(Array("abcd".utf8))]),
        ("abcd\r\n", [.line(Array("abcd".utf8))]),
        ("abcde\n", [.overflow]),
        ("abcd\rx\n", [.overflow]),
        ("abcdefghij\nxy\n", [.overflow, .line(Array("xy".utf8))]),
        ("abcdefghij\r\nabcdefghij\n", [.overflow, .overflow]),
    ])
    func enforcesTheMaximumLength(input: String, expected: [LineFramer.Action]) {
        var f = LineFramer(maxLineLength: 4)
        #expect(f.ingest(Self.bytes(input)) == expected)
        #expect(!f.isDiscarding)
    }

    @Test func neverBuffersMoreThanTheLimitWhateverArrives() {
        var f = LineFramer(maxLineLength: 4096)
        var actions: [LineFramer.Action] = []
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 65_536)
        for _ in 0..<64 {  // 4 MiB without a newline
            actions += f.ingest(chunk)
            #expect(f.bufferedCount <= 4097)
        }
        #expect(actions == [.overflow])
        #expect(f.isDiscarding)
        #expect(f.ingest(Self.bytes("tail\n{\"cmd\":\"status\"}\n")) == [.line(Self.bytes("{\"cmd\":\"status\"}"))])
    }

    @Test func finishDeliversAnUnterminatedLine() {
        var f = LineFramer(maxLineLength: 8)
        _ = f.ingest(Self.bytes("abc"))
        #expect(f.finish() == [.line(Self.bytes("abc"))])
        _ = f.ingest(Self.bytes("0123456789"))
        #expect(f.finish() == [])
        #expect(f.bufferedCount == 0)
    }

    @Test(arguments: 1...7)
    func chunkingDoesNotMatter(chunkSize: Int) {
        let input = Self.bytes("one\r\ntwo\n\nthree-is-too-long\nfour\nfive")
        var whole = LineFramer(maxLineLength: 8)
        let expected = whole.ingest(input) + whole.finish()
        var f = LineFramer(maxLineLength: 8)
        var actions: [LineFramer.Action] = []
        var start = 0
        while start < input.count {
            actions += f.ingest(input[start..<min(start + chunkSize, input.count)])
            start += chunkSize
        }
        actions += f.finish()
        #expect(actions == expected)
        #expect(expected == [.line(Self.bytes("one")), .line(Self.bytes("two")), .overflow, .line(Self.bytes("four")), .line(Self.bytes("five"))])
    }
}
