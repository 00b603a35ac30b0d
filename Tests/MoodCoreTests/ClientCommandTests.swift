import MoodCore
import Testing

@Suite struct ClientCommandTests {
    @Test(arguments: [#"{"cmd":"status"}"#, #" { "cmd" : "status", "verbose": true } "#])
    func parsesStatus(line: String) {
        #expect(ClientCommand.parse(Array(line.utf8)) == .success(.status))
    }

    @Test(arguments: [
        (#"{"cmd":"play"}"#, "unknown command 'play' (known: 'status', 'history')"),
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
            .reply(.error("unknown command 'stop' (known: 'status', 'history')")),
            .command(.status),
        ])
    }

    @Test(arguments: [
        (#"{"cmd":"history"}"#, nil),
        (#"{"cmd":"history","seconds":null}"#, nil),
        (#"{"cmd":"history","seconds":3600}"#, 3600),
        (#"{"cmd":"history","seconds":0.5,"other":[1]}"#, 0.5),
        (#"{"cmd":"history","seconds":1e300}"#, 1e300),
    ] as [(String, Double?)])
    func parsesHistory(line: String, seconds: Double?) {
        #expect(ClientCommand.parse(Array(line.utf8)) == .success(.history(seconds: seconds)))
    }

    /// Bad arguments get one `error` line like any bad command; the connection stays (ClientInput).
    @Test(arguments: [#"{"cmd":"history","seconds":0}"#, #"{"cmd":"history","seconds":-60}"#,
                      #"{"cmd":"history","seconds":"3600"}"#, #"{"cmd":"history","seconds":[3600]}"#,
                      #"{"cmd":"history","seconds":true}"#])
    func rejectsBadHistorySeconds(line: String) {
        #expect(ClientCommand.parse(Array(line.utf8)) == .failure(.init(
            message: #"history: "seconds" must be a positive number of seconds, like {"cmd":"history","seconds":3600}"#)))
    }

    @Test func commandLinesRoundTrip() {
        for command in [ClientCommand.status, .history(seconds: nil), .history(seconds: 600), .history(seconds: 0.25)] {
            #expect(ClientCommand.parse(Array(command.jsonLine.utf8)) == .success(command), "\(command.jsonLine)")
        }
        #expect(ClientCommand.history(seconds: 600).jsonLine == #"{"cmd":"history","seconds":600}"#)
    }
}
