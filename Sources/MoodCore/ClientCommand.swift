/// A command a client sends: one JSON object per line, `{"cmd":"status"}`.
///
/// Only `status` exists in protocol version 1. Other members of the object are ignored, so a later
/// version can add arguments without breaking this parser.
public enum ClientCommand: Sendable, Equatable, CaseIterable {
    /// Reply with a `status` event (the same snapshot as the `state` event sent on connect).
    case status

    public var name: String {
        switch self {
        case .status: "status"
        }
    }

    /// Why a line is not a command; `message` goes into the `error` event.
    public struct Rejection: Error, Sendable, Equatable {
        public var message: String

        public init(message: String) { self.message = message }

        public var event: MoodEvent { .error(message) }
    }

    /// Parses one line (as `LineFramer` delivers it).
    public static func parse(_ line: some Collection<UInt8>) -> Result<ClientCommand, Rejection> {
        let value: JSONValue
        do {
            value = try JSONValue.parse(line)
        } catch {
            return .failure(Rejection(message: "malformed JSON: \(error)"))
        }
        guard case .object = value, let name = value["cmd"] else {
            return .failure(Rejection(message: "expected an object with a \"cmd\" member, like {\"cmd\":\"status\"}"))
        }
        guard let name = name.stringValue else {
            return .failure(Rejection(message: "\"cmd\" must be a string"))
        }
        guard let command = allCases.first(where: { $0.name == name }) else {
            let known = allCases.map { "'\($0.name)'" }.joined(separator: ", ")
            return .failure(Rejection(message: "unknown command '\(name)' (known: \(known))"))
        }
        return .success(command)
    }
}

/// A client connection's input side: framing plus command parsing, as one state machine the
/// connection handler drives with the bytes it reads.
public struct ClientInput: Sendable {
    public enum Action: Sendable, Equatable {
        /// Serve this command.
        case command(ClientCommand)
        /// Send this `error` event to the client.
        case reply(MoodEvent)
    }

    private var framer: LineFramer

    public init(maxLineLength: Int = LineFramer.defaultMaxLineLength) {
        framer = LineFramer(maxLineLength: maxLineLength)
    }

    public mutating func ingest(_ bytes: some Sequence<UInt8>) -> [Action] {
        framer.ingest(bytes).map(action)
    }

    /// The client closed its sending side.
    public mutating func finish() -> [Action] {
        framer.finish().map(action)
    }

    private func action(_ framed: LineFramer.Action) -> Action {
        switch framed {
        case .overflow:
            return .reply(.error("line longer than \(framer.maxLineLength) bytes; discarded"))
        case .line(let line):
            switch ClientCommand.parse(line) {
            case .success(let command): return .command(command)
            case .failure(let rejection): return .reply(rejection.event)
            }
        }
    }
}
