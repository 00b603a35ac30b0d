import MoodCore
import Testing

@Suite struct ClientCommandTests {
    @Test(arguments: [#"{"cmd":"status"}"#, #" { "cmd" : "status", "verbose": true } "#])
    func parsesStatus(line: String) {
        #expect(ClientCommand.parse(Array(line.utf8)) == .success(.status))
    }

    @Test(arguments: [
        (#"{"cmd":"play"}"#, "unknown command 'play' (known: 'status')"),
        (#"{"cmd":1}"#, "\"cmd\" must be a string"),
        (#"{"command":"status"}"#, #"expected an object with a "cmd" member, like {"cmd":"status"}"#),
        (#"["status"]"#, #"expected an object with a "cmd" member, like {"cmd":"status"}"#),
        ("status", "malformed JSON: unexpected character at byte 0"),
        (#"{"cmd":"status""#, "malformed JSON: expected ',' or '}' at byte 15"),
    ])
    func rejectsWithAMessage(line: String, message: String) {
        #expect(ClientCommand.parse(Array(line.utf8)) == .failure(.init(message: message)))
    }

    @Test func clientInputRepliesToEveryBadLineAndServesTheRest() {
        var input = ClientInput(maxLineLength: 32)
        let stream = #"{"cmd":"status"}"# + "\n" + String(repeating: "x", count: 100) + "\n" + #"{"cmd":"stop"}"# + "\n" + #"{"cmd":"status"}"#
        let actions = input.ingest(Array(stream.utf8)) + input.finish()
        #expect(actions == [
            .command(.status),
            .reply(.error("line longer than 32 bytes; discarded")),
            .reply(.error("unknown command 'stop' (known: 'status')")),
            .command(.status),
        ])
    }
}
