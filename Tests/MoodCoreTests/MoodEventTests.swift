import MoodCore
import Testing

@Suite struct MoodEventTests {
    static let t0 = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!
    static let t1 = Timestamp(rfc3339: "2026-11-21T10:00:01.500Z")!
    static let labels = MoodLabels.quadrants.names
    static let probabilities = Distribution(labels: labels, values: [0.1, 0.05, 0.14, 0.71])
    static let raw = Distribution(labels: labels, values: [0.2, 0.1, 0.3, 0.4])
    static let content = Distribution(labels: ContentKind.labels, values: [0.93, 0.05, 0.02])
    static let speech = Distribution(labels: ContentKind.labels, values: [0.1, 0.85, 0.05])

    static let mood = MoodEvent.mood(.init(
        time: t0, label: .label("relaxed"), confidence: 0.71, probabilities: probabilities, content: content, raw: raw,
        valence: 0.62, arousal: -0.7, levelDB: -23.4))
    static let snapshot = MoodEvent.Snapshot(
        time: t1, label: .label("relaxed"), confidence: 0.71, probabilities: probabilities, content: content, valence: 0.62,
        arousal: -0.7, since: t0, source: .init(name: "pulse:@DEFAULT_MONITOR@", state: .started),
        counters: .init(analyses: 12, overruns: 0, lostFrames: 3, clients: 2))

    /// The wire form, byte for byte: key order and number formatting are part of the protocol.
    static let golden: [(MoodEvent, String)] = [
        (.hello(.init(version: "0.1.0", model: "musicnn-mood", labels: labels, contentLabels: ContentKind.labels, hop: 1.5)),
         #"{"event":"hello","protocol":3,"version":"0.1.0","model":"musicnn-mood","labels":["happy","angry","sad","relaxed"],"content_labels":["music","speech","noise"],"hop":1.5}"#),
        (.hello(.init(version: "0.2.0-rc1", model: "musicnn-mood", labels: labels, hop: 0.25)),
         #"{"event":"hello","protocol":3,"version":"0.2.0-rc1","model":"musicnn-mood","labels":["happy","angry","sad","relaxed"],"content_labels":null,"hop":0.25}"#),
        (mood,
         #"{"event":"mood","time":"2026-11-21T10:00:00.000Z","label":"relaxed","confidence":0.71,"probabilities":{"happy":0.1,"angry":0.05,"sad":0.14,"relaxed":0.71},"content":{"music":0.93,"speech":0.05,"noise":0.02},"raw":{"happy":0.2,"angry":0.1,"sad":0.3,"relaxed":0.4},"valence":0.62,"arousal":-0.7,"level_db":-23.4}"#),
        (.mood(.init(time: t0, label: .speech, confidence: 0, probabilities: nil, content: speech, raw: raw, valence: nil, arousal: nil, levelDB: -31.2)),
         #"{"event":"mood","time":"2026-11-21T10:00:00.000Z","label":"speech","confidence":0,"probabilities":null,"content":{"music":0.1,"speech":0.85,"noise":0.05},"raw":{"happy":0.2,"angry":0.1,"sad":0.3,"relaxed":0.4},"valence":null,"arousal":null,"level_db":-31.2}"#),
        (.mood(.init(time: t0, label: .silence, confidence: 0, probabilities: nil, raw: nil, valence: nil, arousal: nil, levelDB: nil)),
         #"{"event":"mood","time":"2026-11-21T10:00:00.000Z","label":"silence","confidence":0,"probabilities":null,"content":null,"raw":null,"valence":null,"arousal":null,"level_db":null}"#),
        (.change(.init(from: .label("relaxed"), to: .speech, time: t0)),
         #"{"event":"change","from":"relaxed","to":"speech","time":"2026-11-21T10:00:00.000Z"}"#),
        (.change(.init(from: .speech, to: .noise, time: t0)),
         #"{"event":"change","from":"speech","to":"noise","time":"2026-11-21T10:00:00.000Z"}"#),
        (.change(.init(from: .label("sad"), to: .label("happy"), time: t0)),
         #"{"event":"change","from":"sad","to":"happy","time":"2026-11-21T10:00:00.000Z"}"#),
        (.change(.init(from: .listening, to: .silence, time: t0)),
         #"{"event":"change","from":"listening","to":"silence","time":"2026-11-21T10:00:00.000Z"}"#),
        (.source(.init(state: .lost, source: "pulse:@DEFAULT_MONITOR@", overruns: 4, lostFrames: 1024, time: t0, reason: "Connection terminated")),
         #"{"event":"source","time":"2026-11-21T10:00:00.000Z","source":{"name":"pulse:@DEFAULT_MONITOR@","state":"lost","reason":"Connection terminated"},"overruns":4,"lost_frames":1024}"#),
        (.source(.init(state: .started, source: "alsa:hw:0", overruns: 0, lostFrames: 0, time: t0)),
         #"{"event":"source","time":"2026-11-21T10:00:00.000Z","source":{"name":"alsa:hw:0","state":"started","reason":null},"overruns":0,"lost_frames":0}"#),
        (.state(snapshot),
         #"{"event":"state","time":"2026-11-21T10:00:01.500Z","label":"relaxed","confidence":0.71,"probabilities":{"happy":0.1,"angry":0.05,"sad":0.14,"relaxed":0.71},"content":{"music":0.93,"speech":0.05,"noise":0.02},"valence":0.62,"arousal":-0.7,"since":"2026-11-21T10:00:00.000Z","source":{"name":"pulse:@DEFAULT_MONITOR@","state":"started","reason":null},"counters":{"analyses":12,"overruns":0,"lost_frames":3,"clients":2},"mqtt":null}"#),
        (.status(.init(time: t0, label: .listening, confidence: 0, probabilities: nil, valence: nil, arousal: nil, since: nil,
                       source: .init(name: "stdin", state: nil), counters: .init())),
         #"{"event":"status","time":"2026-11-21T10:00:00.000Z","label":"listening","confidence":0,"probabilities":null,"content":null,"valence":null,"arousal":null,"since":null,"source":{"name":"stdin","state":null,"reason":null},"counters":{"analyses":0,"overruns":0,"lost_frames":0,"clients":0},"mqtt":null}"#),
        (.status(.init(time: t0, label: .listening, confidence: 0, probabilities: nil, valence: nil, arousal: nil, since: t0,
                       source: .init(name: "pulse:@DEFAULT_MONITOR@", state: .lost, reason: "stalled"), counters: .init())),
         #"{"event":"status","time":"2026-11-21T10:00:00.000Z","label":"listening","confidence":0,"probabilities":null,"content":null,"valence":null,"arousal":null,"since":"2026-11-21T10:00:00.000Z","source":{"name":"pulse:@DEFAULT_MONITOR@","state":"lost","reason":"stalled"},"counters":{"analyses":0,"overruns":0,"lost_frames":0,"clients":0},"mqtt":null}"#),
        (.status(.init(time: t0, label: .listening, confidence: 0, probabilities: nil, valence: nil, arousal: nil, since: nil,
                       source: .init(name: "stdin", state: .started), counters: .init(),
                       mqtt: .init(connected: false, dropped: 317, reconnects: 2))),
         #"{"event":"status","time":"2026-11-21T10:00:00.000Z","label":"listening","confidence":0,"probabilities":null,"content":null,"valence":null,"arousal":null,"since":null,"source":{"name":"stdin","state":"started","reason":null},"counters":{"analyses":0,"overruns":0,"lost_frames":0,"clients":0},"mqtt":{"connected":false,"dropped":317,"reconnects":2}}"#),
        (.error("unknown command 'play'"), #"{"event":"error","error":"unknown command 'play'"}"#),
        (.history(.init(time: t1, seconds: 600, step: 30, from: t0, events: [
            .source(.init(state: .started, source: "alsa:hw:0", overruns: 0, lostFrames: 0, time: t0)),
            .change(.init(from: .listening, to: .label("relaxed"), time: t1)), mood])),
         #"{"event":"history","time":"2026-11-21T10:00:01.500Z","seconds":600,"step":30,"from":"2026-11-21T10:00:00.000Z","events":[{"event":"source","time":"2026-11-21T10:00:00.000Z","source":{"name":"alsa:hw:0","state":"started","reason":null},"overruns":0,"lost_frames":0},{"event":"change","from":"listening","to":"relaxed","time":"2026-11-21T10:00:01.500Z"},{"event":"mood","time":"2026-11-21T10:00:00.000Z","label":"relaxed","confidence":0.71,"probabilities":{"happy":0.1,"angry":0.05,"sad":0.14,"relaxed":0.71},"content":{"music":0.93,"speech":0.05,"noise":0.02},"raw":{"happy":0.2,"angry":0.1,"sad":0.3,"relaxed":0.4},"valence":0.62,"arousal":-0.7,"level_db":-23.4}]}"#),
        (.history(.init(time: t1, seconds: 0.5, step: 0, from: t1, events: [])),
         #"{"event":"history","time":"2026-11-21T10:00:01.500Z","seconds":0.5,"step":0,"from":"2026-11-21T10:00:01.500Z","events":[]}"#),
    ]

    @Test(arguments: golden)
    func encodesToTheDocumentedLine(event: MoodEvent, line: String) {
        #expect(event.json == line)
        #expect(event.jsonLine() == Array((line + "\n").utf8))
    }

    @Test(arguments: golden)
    func decodesBackToTheSameEvent(event: MoodEvent, line: String) throws {
        #expect(try MoodEvent(json: line) == event)
        #expect(try MoodEvent(jsonLine: event.jsonLine()) == event)
    }

    @Test func numbersAreRoundedAndNeverNonFinite() throws {
        let event = MoodEvent.mood(.init(
            time: Self.t0, label: .label("happy"), confidence: 0.712_345,
            probabilities: Distribution(labels: ["happy", "sad"], values: [.nan, .infinity]), raw: nil,
            valence: -0.000_01, arousal: -.infinity, levelDB: -23.45))
        let json = event.json
        #expect(json.contains(#""confidence":0.7123,"#))
        #expect(json.contains(#""probabilities":{"happy":null,"sad":null}"#))
        #expect(json.contains(#""valence":0,"arousal":null,"level_db":-23.5}"#))
        guard case .mood(let decoded) = try MoodEvent(json: json) else { Issue.record("not a mood"); return }
        #expect(decoded.arousal == nil)
    }

    @Test(arguments: ["quote \" here", "back\\slash", "new\nline\ttab\r", "\u{01}\u{1F}\u{7F}", "snow ☃ and 🎵", "sep\u{2028}para\u{2029}", "\u{E2}"])
    func stringsSurviveTheRoundTrip(text: String) throws {
        let line = MoodEvent.error(text).jsonLine()
        #expect(!line.dropLast().contains(UInt8(ascii: "\n")))
        #expect(line.allSatisfy { $0 >= 0x20 || $0 == 0x0A })
        #expect(try MoodEvent(jsonLine: line) == .error(text))
    }

    @Test func decodingIgnoresUnknownKeysAndFlagsUnknownEvents() throws {
        let extended = #"{"event":"change","from":"sad","to":"happy","time":"2026-11-21T10:00:00Z","confidence":0.8,"x":[1,{"y":null}]}"#
        #expect(try MoodEvent(json: extended) == .change(.init(from: .label("sad"), to: .label("happy"), time: Self.t0)))
        do {
            _ = try MoodEvent(json: #"{"event":"tempo","bpm":120}"#)
            Issue.record("an unknown event decoded")
        } catch {
            #expect(error.isUnknownEvent)
        }
    }

    /// A daemon before the `mqtt` key (protocol 3 as first published) sent none: read as MQTT off.
    @Test func aSnapshotWithoutTheMQTTKeyDecodesAsMQTTOff() throws {
        let old = #"{"event":"status","time":"2026-11-21T10:00:00.000Z","label":"listening","confidence":0,"probabilities":null,"content":null,"valence":null,"arousal":null,"since":null,"source":{"name":"stdin","state":null,"reason":null},"counters":{"analyses":0,"overruns":0,"lost_frames":0,"clients":0}}"#
        guard case .status(let s) = try MoodEvent(json: old) else { Issue.record("not a status"); return }
        #expect(s.mqtt == nil)
    }

    @Test(arguments: [
        (#"{"event":"status","time":"2026-11-21T10:00:00Z","label":"listening","confidence":0,"since":null,"source":{"name":"x","state":null},"counters":{"analyses":0,"overruns":0,"lost_frames":0,"clients":0},"mqtt":{"connected":1,"dropped":0,"reconnects":0}}"#, "'status' event: key 'connected': expected true or false"),
        (#"{"event":"state","time":"2026-11-21T10:00:00Z","label":"listening","confidence":0,"since":null,"source":{"name":"x","state":null},"counters":{"analyses":0,"overruns":0,"lost_frames":0,"clients":0},"mqtt":{"connected":true,"reconnects":0}}"#, "'state' event: key 'dropped': expected an integer"),
        (#"{"event":"state","time":"2026-11-21T10:00:00Z","label":"listening","confidence":0,"since":null,"source":{"name":"x","state":null},"counters":{"analyses":0,"overruns":0,"lost_frames":0,"clients":0},"mqtt":true}"#, "'state' event: key 'mqtt': expected an object"),
        (#"{"event":"change","from":"sad","time":"2026-11-21T10:00:00Z"}"#, "'change' event: key 'to': expected a string"),
        (#"{"event":"mood","time":"yesterday"}"#, "'mood' event: key 'time': expected an RFC 3339 time"),
        (#"{"event":"source","time":"2026-11-21T10:00:00Z","source":{"name":"x","state":"gone"},"overruns":0,"lost_frames":0}"#, "'source' event: unknown source state 'gone'"),
        (#"{"event":"source","time":"2026-11-21T10:00:00Z","source":"x","overruns":0,"lost_frames":0}"#, "'source' event: key 'source': expected an object"),
        (#"{"event":"source","time":"2026-11-21T10:00:00Z","source":{"name":"x","state":null},"overruns":0,"lost_frames":0}"#, "'source' event: key 'source': expected a source object whose state is not null"),
        (#"{"event":"hello","protocol":3,"version":"1","model":"m","labels":[],"content_labels":null}"#, "'hello' event: key 'hop': expected a number"),
        (#"{"event":"history","time":"2026-11-21T10:00:00Z","seconds":1,"step":1,"from":"2026-11-21T10:00:00Z","events":{}}"#, "'history' event: key 'events': expected an array of events"),
        (#"{"event":"history","time":"2026-11-21T10:00:00Z","seconds":1,"step":1,"from":"2026-11-21T10:00:00Z","events":[{"event":"change"}]}"#, "'history' event: in 'events': 'change' event: key 'from': expected a string"),
        (#"{"event":"hello","protocol":1.5,"version":"1","model":"m","labels":[]}"#, "'hello' event: key 'protocol': expected an integer"),
        (#"{"event":"hello","protocol":1,"version":"1","model":"m","labels":[1]}"#, "'hello' event: key 'labels': expected an array of strings"),
        (#"{"event":"hello","protocol":3,"version":"1","model":"m","labels":["a"],"content_labels":"music"}"#, "'hello' event: key 'content_labels': expected an array of strings"),
        (#"{"event":"mood","time":"2026-11-21T10:00:00.000Z","label":"speech","confidence":0,"probabilities":null,"content":[0.1],"raw":null,"valence":null,"arousal":null,"level_db":null}"#, "'mood' event: key 'content': expected an object of label: probability"),
        (#"["event"]"#, "an event must be a JSON object"),
        (#"{"cmd":"status"}"#, "missing the \"event\" string"),
        (#"{"event":"mood""#, "malformed JSON: expected ',' or '}' at byte 15"),
    ])
    func decodingErrorsNameTheProblem(line: String, message: String) {
        #expect(throws: MoodEvent.DecodingError(description: message)) { try MoodEvent(json: line) }
    }

    @Test func textLines() {
        #expect(Self.mood.textLine() == "2026-11-21T10:00:00.000Z mood relaxed 0.71 valence=0.62 arousal=-0.7 level=-23.4dB happy=0.1 angry=0.05 sad=0.14 relaxed=0.71 content=music:0.93,speech:0.05,noise:0.02")
        #expect(MoodEvent.change(.init(from: .label("relaxed"), to: .speech, time: Self.t0)).textLine() == "2026-11-21T10:00:00.000Z change relaxed -> speech")
        #expect(MoodEvent.hello(.init(version: "0.1.0", model: "m", labels: ["a", "b"], contentLabels: ContentKind.labels, hop: 1.5)).textLine()
            == #"hello protocol=3 version="0.1.0" model="m" labels=a,b content_labels=music,speech,noise hop=1.5"#)
        #expect(MoodEvent.change(.init(from: .silence, to: .listening, time: Self.t0)).textLine() == "2026-11-21T10:00:00.000Z change silence -> listening")
        #expect(MoodEvent.source(.init(state: .lost, source: "alsa:hw:0", overruns: 1, lostFrames: 2, time: Self.t0, reason: "EPIPE\n")).textLine()
            == #"2026-11-21T10:00:00.000Z source lost alsa:hw:0 overruns=1 lost_frames=2 reason="EPIPE\n""#)
        #expect(MoodEvent.state(Self.snapshot).textLine() == "2026-11-21T10:00:01.500Z state relaxed 0.71 content=music:0.93,speech:0.05,noise:0.02 since=2026-11-21T10:00:00.000Z source=pulse:@DEFAULT_MONITOR@(started) analyses=12 overruns=0 lost_frames=3 clients=2")
        #expect(MoodEvent.error("a\nb").textLine() == #"error "a\nb""#)
        var withMQTT = Self.snapshot
        withMQTT.mqtt = .init(connected: true, dropped: 5, reconnects: 1)
        #expect(MoodEvent.status(withMQTT).textLine().hasSuffix(" clients=2 mqtt=connected mqtt_dropped=5 mqtt_reconnects=1"))
        var lost = Self.snapshot
        lost.source = .init(name: "stdin", state: .lost, reason: "stalled")
        #expect(MoodEvent.status(lost).textLine().contains(#" source=stdin(lost) reason="stalled" analyses="#))
        #expect(MoodEvent.history(.init(time: Self.t1, seconds: 3600, step: 30, from: Self.t0, events: [Self.mood])).textLine()
            == "2026-11-21T10:00:01.500Z history seconds=3600 step=30 from=2026-11-21T10:00:00.000Z events=1")
    }

    /// A `history` event skips the events it holds that this version does not know, as the stream does.
    @Test func historySkipsUnknownEventsInside() throws {
        let line = #"{"event":"history","time":"2026-11-21T10:00:00Z","seconds":1,"step":1,"from":"2026-11-21T10:00:00Z","events":[{"event":"tempo","bpm":120},{"event":"change","from":"sad","to":"happy","time":"2026-11-21T10:00:00Z"}]}"#
        guard case .history(let h) = try MoodEvent(json: line) else { Issue.record("not history"); return }
        #expect(h.events == [.change(.init(from: .label("sad"), to: .label("happy"), time: Self.t0))])
    }
}
