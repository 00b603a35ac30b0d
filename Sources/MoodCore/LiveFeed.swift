import DequeModule

/// What moodd-web knows of the daemon: whether its socket is up, the latest `hello`, snapshot
/// (`state` or `status`), `mood`, `change` and `source` lines verbatim, and the last `capacity`
/// event lines. A pure state machine: the socket shell feeds it lines and connection changes; each
/// call returns the Server-Sent-Events frames to send to every open page (`GET /api/events`), and
/// `snapshot()` is `GET /api/state`'s body.
///
/// Lines are kept as the daemon sent them (its JSON, its numbers), so the page sees the protocol of
/// docs/protocol.md unchanged.
public struct LiveFeed: Sendable {
    public private(set) var isUp = false
    public private(set) var hello: String?
    /// The latest `state`/`status`/`mood`/`change`/`source` line, by event name.
    public private(set) var latest: [String: String] = [:]
    public private(set) var recent: Deque<String> = []
    public private(set) var downSince: String?
    public private(set) var downReason: String?
    public let capacity: Int

    /// `since`: when moodd-web started (it starts not connected).
    public init(capacity: Int = 256, since: String) {
        precondition(capacity > 0, "LiveFeed capacity must be positive")
        self.capacity = capacity
        downSince = since
        downReason = "not connected yet"
    }

    /// The socket is connected: one `up` frame.
    public mutating func connected() -> [String] {
        guard !isUp else { return [] }
        isUp = true
        downSince = nil
        downReason = nil
        return [Self.frame(event: "up", data: "{\"down\":false}")]
    }

    /// The socket dropped or could not be opened (`reason`: one line); one `down` frame the first time.
    public mutating func disconnected(reason: String, at time: String) -> [String] {
        guard isUp || downSince == nil else {
            downReason = reason
            return []
        }
        isUp = false
        downSince = time
        downReason = reason
        return [Self.frame(event: "down", data: downJSON())]
    }

    /// One line from the daemon. Lines that are not a JSON object with an `event` name are dropped
    /// (nil); the others are kept and returned as one frame named after the event.
    public mutating func received(_ line: String) -> String? {
        guard let value = try? JSONValue.parse(line), let name = value["event"]?.stringValue,
            !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return nil }
        switch name {
        case "hello": hello = line
        case "state", "status": latest["state"] = line
        case "mood", "change", "source":
            latest[name] = line
            recent.append(line)
            if recent.count > capacity { recent.removeFirst() }
        default: break
        }
        return Self.frame(event: Self.frameName(name), data: line)
    }

    /// The SSE event name for a daemon event: its own, except `error`, `open` and `message`, which an
    /// `EventSource` reserves (an `event: error` frame would fire the page's connection-error handler):
    /// those become `daemon-error`, `daemon-open`, `daemon-message`.
    public static func frameName(_ event: String) -> String {
        ["error", "open", "message"].contains(event) ? "daemon-" + event : event
    }

    /// `GET /api/state`: `{"down":false,"hello":…,"state":…,"mood":…,"change":…,"source":…}` (null where
    /// not seen yet), or `{"down":true,"since":…,"reason":…,…}` with the last known lines.
    public func snapshot() -> String {
        var out = isUp ? "{\"down\":false" : String(downJSON().dropLast())
        out += ",\"hello\":" + (hello ?? "null")
        for key in ["state", "mood", "change", "source"] { out += ",\"\(key)\":" + (latest[key] ?? "null") }
        return out + "}"
    }

    private func downJSON() -> String {
        let since = downSince.map { JSONValue.string($0).encoded() } ?? "null"
        let reason = downReason.map { JSONValue.string($0).encoded() } ?? "null"
        return "{\"down\":true,\"since\":\(since),\"reason\":\(reason)}"
    }

    /// One Server-Sent-Events frame; `data` is one line (the daemon's lines never hold a newline).
    public static func frame(event: String, data: String) -> String {
        "event: \(event)\ndata: \(data)\n\n"
    }
}
