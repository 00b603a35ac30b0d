import Foundation
import MoodCore
import MoodTestKit
import Testing

/// docs/protocol.md (and README's socket example) by example, checked against the live daemon: every
/// example event line has exactly the keys, in the same order, that the daemon sends for that kind of
/// event (nested objects too, `history`'s events each against its own kind), so the docs cannot drift
/// from the wire. Values are not compared: they depend on the music, the model and the clock.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ProtocolDocTests {
    static let repository = URL(fileURLWithPath: Fixtures.directory).deletingLastPathComponent().deletingLastPathComponent().path
    /// Objects keyed by the model's labels, which differ between the examples' models and the daemon's.
    static let distributions: Set<String> = ["probabilities", "content", "raw"]

    @Test func everyExampleLineHasTheLiveKeysInTheLiveOrder() throws {
        let live = try Self.liveEvents()
        for kind in ["hello", "state", "status", "mood", "change", "source", "error", "history"] {
            #expect(live[kind] != nil, "the daemon sent no '\(kind)' event to compare with")
        }
        var checked = 0
        for document in ["docs/protocol.md", "README.md"] {
            let text = try String(contentsOfFile: Self.repository + "/" + document, encoding: .utf8)
            for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                var line = Substring(raw)
                if line.hasPrefix("<- ") || line.hasPrefix("-> ") { line = line.dropFirst(3) }
                if line.hasPrefix("{\"cmd\"") {
                    #expect(throws: Never.self, "\(document):\(number + 1)") { try ClientCommand.parse(Array(line.utf8)).get() }
                    continue
                }
                guard line.hasPrefix("{\"event\"") else { continue }
                let where_ = "\(document):\(number + 1)"
                let example: JSONValue
                do {
                    example = try JSONValue.parse(String(line))
                } catch {
                    Issue.record("\(where_): not JSON: \(error)")
                    continue
                }
                guard let kind = example["event"]?.stringValue, let sample = live[kind] else {
                    Issue.record("\(where_): an event the daemon did not send: \(line)")
                    continue
                }
                if let problem = Self.mismatch(example, sample, path: kind, live: live) { Issue.record("\(where_): \(problem)") }
                #expect(throws: Never.self, "\(where_) does not decode") { try MoodEvent(value: example) }
                checked += 1
            }
        }
        #expect(checked >= 20, "only \(checked) example lines found")
    }

    /// nil when `example` has the keys of `sample` in its order, recursively; else what differs.
    static func mismatch(_ example: JSONValue, _ sample: JSONValue, path: String, live: [String: JSONValue]) -> String? {
        guard case .object(let e) = example, case .object(let s) = sample else { return nil }  // null on either side: type not compared
        let exampleKeys = e.map(\.key), liveKeys = s.map(\.key)
        guard exampleKeys == liveKeys else { return "\(path): keys \(exampleKeys) in the example, \(liveKeys) live" }
        for (em, sm) in zip(e, s) where !distributions.contains(em.key) {
            if em.key == "events", case .array(let items) = em.value {
                for (i, item) in items.enumerated() {
                    guard let kind = item["event"]?.stringValue, let itemSample = live[kind] else {
                        return "\(path).events[\(i)]: no live event of its kind"
                    }
                    if let problem = mismatch(item, itemSample, path: "\(path).events[\(i)]", live: live) { return problem }
                }
            } else if let problem = mismatch(em.value, sm.value, path: path + "." + em.key, live: live) {
                return problem
            }
        }
        return nil
    }

    /// One live event of each kind: the greeting, a `status` and an `error` reply, a `mood` and a
    /// `change` as they are published, and a `history` reply (whose `source` event, published before
    /// the client connected, stands for the `source` kind). The shipped model, on the demo, hop 0.5 s,
    /// announcing at once, history keeping every analysis; MQTT on, towards a port where nothing
    /// listens, so that the snapshots' `mqtt` is an object whose keys are compared too.
    static func liveEvents() throws -> [String: JSONValue] {
        let daemon = try RunningDaemon([
            "--source", "file+loop:" + repository + "/examples/demo.ogg", "--hop", "0.5",
            "--set", "smoothing.initial_dwell=0", "--set", "content.enter_dwell=0", "--set", "history.step=0",
            "--set", "mqtt.host=127.0.0.1", "--set", "mqtt.port=9",
        ])
        defer { _ = daemon.stop() }
        let client = try UnixLineClient(path: daemon.socketPath)
        var live: [String: JSONValue] = [:]
        func take(_ line: String) throws {
            let value = try JSONValue.parse(line)
            if let kind = value["event"]?.stringValue, live[kind] == nil { live[kind] = value }
            if case .array(let items)? = value["events"] {
                for item in items { if let kind = item["event"]?.stringValue, live[kind] == nil { live[kind] = item } }
            }
        }
        try take(try #require(try client.readLine(timeout: 20)))
        try take(try #require(try client.readLine(timeout: 10)))
        try client.send("{\"cmd\":\"status\"}\n{\"cmd\":\"play\"}\n")
        let end = monotonicSeconds() + 60
        while monotonicSeconds() < end, live["mood"] == nil || live["change"] == nil || live["status"] == nil || live["error"] == nil {
            guard let line = try client.readLine(timeout: 30) else { break }
            try take(line)
        }
        try client.send("{\"cmd\":\"history\",\"seconds\":3600}\n")
        while monotonicSeconds() < end, live["history"] == nil {
            guard let line = try client.readLine(timeout: 10) else { break }
            try take(line)
        }
        return live
    }
}
