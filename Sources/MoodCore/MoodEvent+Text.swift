/// The `log.format = "text"` rendering: one human-readable line per event, time first so the log
/// sorts and greps like any other; numbers rounded as in the JSON form.
///
///     2026-11-21T10:00:00.000Z mood relaxed 0.71 valence=0.42 arousal=-0.3 level=-23.4dB happy=0.1 angry=0.05 sad=0.14 relaxed=0.71 content=music:0.93,speech:0.05,noise:0.02
///     2026-11-21T10:00:00.000Z mood speech 0 valence=- arousal=- level=-31.2dB content=music:0.1,speech:0.85,noise:0.05
///     2026-11-21T10:00:00.000Z change sad -> happy
///     2026-11-21T10:00:00.000Z source lost pulse:@DEFAULT_MONITOR@ overruns=0 lost_frames=512 reason="Connection terminated"
///     2026-11-21T10:00:00.000Z history seconds=3600 step=30 from=2026-11-21T09:00:00.000Z events=131
extension MoodEvent {
    public func textLine() -> String {
        var w = JSONWriter(capacity: 192)  // reused for its number and string formatting
        func text(_ s: String) { w.bytes.append(contentsOf: s.utf8) }
        func number(_ x: Float?, _ decimals: Int) {
            if let x, x.isFinite { w.number(x, decimals: decimals) } else { text("-") }
        }
        func content(_ d: Distribution?) {
            guard let d else { return }
            text(" content=")
            for (i, (label, value)) in zip(d.labels, d.values).enumerated() {
                text((i > 0 ? "," : "") + label + ":")
                number(value, Self.probabilityDecimals)
            }
        }
        func time(_ t: Timestamp) {
            t.write(into: &w.bytes)
            text(" ")
        }
        switch self {
        case .hello(let h):
            text("hello protocol=\(h.protocolVersion) version=")
            w.string(h.version)
            text(" model=")
            w.string(h.model)
            text(" labels=" + h.labels.joined(separator: ","))
            text(" content_labels=" + (h.contentLabels?.joined(separator: ",") ?? "-"))
            text(" hop="); number(Float(h.hop), Self.secondsDecimals)
        case .state(let s), .status(let s):
            time(s.time)
            text("\(name) \(s.label.name) ")
            number(s.confidence, Self.probabilityDecimals)
            content(s.content)
            text(" since=")
            if let since = s.since { since.write(into: &w.bytes) } else { text("-") }
            text(" source=\(s.source.name)(\(s.source.state?.rawValue ?? "-"))")
            if let reason = s.source.reason {
                text(" reason=")
                w.string(reason)
            }
            text(" analyses=\(s.counters.analyses) overruns=\(s.counters.overruns)")
            text(" lost_frames=\(s.counters.lostFrames) clients=\(s.counters.clients)")
            if let m = s.mqtt {
                text(" mqtt=\(m.connected ? "connected" : "disconnected") mqtt_dropped=\(m.dropped) mqtt_reconnects=\(m.reconnects)")
            }
        case .mood(let m):
            time(m.time)
            text("mood \(m.label.name) ")
            number(m.confidence, Self.probabilityDecimals)
            text(" valence="); number(m.valence, Self.probabilityDecimals)
            text(" arousal="); number(m.arousal, Self.probabilityDecimals)
            text(" level="); number(m.levelDB, Self.levelDecimals); text("dB")
            if let p = m.probabilities {
                for (label, value) in zip(p.labels, p.values) {
                    text(" \(label)=")
                    number(value, Self.probabilityDecimals)
                }
            }
            content(m.content)
        case .change(let c):
            time(c.time)
            text("change \(c.from.name) -> \(c.to.name)")
        case .source(let s):
            time(s.time)
            text("source \(s.state.rawValue) \(s.source) overruns=\(s.overruns) lost_frames=\(s.lostFrames)")
            if let reason = s.reason {
                text(" reason=")
                w.string(reason)
            }
        case .error(let message):
            text("error ")
            w.string(message)
        case .history(let h):
            time(h.time)
            text("history seconds=")
            number(Float(h.seconds), Self.secondsDecimals)
            text(" step="); number(Float(h.step), Self.secondsDecimals)
            text(" from=")
            h.from.write(into: &w.bytes)
            text(" events=\(h.events.count)")
        }
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
