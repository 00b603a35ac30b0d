/// A command a client sends: one JSON object per line, `{"cmd":"status"}`, `{"cmd":"history","seconds":600}`.
///
/// Members other than `cmd` and the command's own arguments are ignored, so a later version can add
/// arguments without breaking this parser. A bad argument is a `Rejection` (an `error` reply), never
/// a reason to close the connection.
public enum ClientCommand: Sendable, Equatable {
    /// Reply with a `status` event (the same snapshot as the `state` event sent on connect).
    case status
    /// Reply with a `history` event: the kept past, the last `seconds` of it (nil: all of it).
    case history(seconds: Double?)

    /// The command names, in the order error messages list them.
    public static let names = ["status", "history"]

    public var name: String {
        switch self {
        case .status: "status"
        case .history: "history"
        }
    }

    /// The command as a line to send (no newline): `{"cmd":"history","seconds":600}`.
    public var jsonLine: String {
        var w = JSONWriter(capacity: 48)
        w.raw("{")
        w.key("cmd"); w.string(name)
        if case .history(let seconds?) = self {
            w.comma(); w.key("seconds"); w.number(seconds, decimals: MoodEvent.secondsDecimals)
        }
        w.raw("}")
        return String(decoding: w.bytes, as: UTF8.self)
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
        switch name {
        case "status":
            return .success(.status)
        case "history":
            guard let seconds = value["seconds"], !seconds.isNull else { return .success(.history(seconds: nil)) }
            // JSON numbers are finite (the parser refuses others); 1e308 is cut to what is kept.
            guard let s = seconds.doubleValue, s > 0 else {
                return .failure(Rejection(message: "history: \"seconds\" must be a positive number of seconds, like {\"cmd\":\"history\",\"seconds\":3600}"))
            }
            return .success(.history(seconds: s))
        default:
            let known = names.map { "'\($0)'" }.joined(separator: ", ")
            return .failure(Rejection(message: "unknown command '\(name)' (known: \(known))"))
        }
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
