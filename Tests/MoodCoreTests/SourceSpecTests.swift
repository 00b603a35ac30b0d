import MoodCore
import Testing

@Suite struct SourceSpecTests {
    @Test(arguments: [
        ("pulse", SourceSpec.pulse(source: nil)),
        ("pulse:@DEFAULT_MONITOR@", .pulse(source: "@DEFAULT_MONITOR@")),
        ("pulse:alsa_output.pci-0000_00_1f.3.analog-stereo.monitor", .pulse(source: "alsa_output.pci-0000_00_1f.3.analog-stereo.monitor")),
        ("alsa", .alsa(device: "default")),
        ("alsa:hw:1,0", .alsa(device: "hw:1,0")),
        ("alsa:plughw:CARD=USB,DEV=0", .alsa(device: "plughw:CARD=USB,DEV=0")),
        ("file:song.mp3", .file(path: "song.mp3", loop: false, paced: true)),
        ("file:/music/a:b.flac", .file(path: "/music/a:b.flac", loop: false, paced: true)),
        ("file+loop:x.wav", .file(path: "x.wav", loop: true, paced: true)),
        ("file+unpaced:x.wav", .file(path: "x.wav", loop: false, paced: false)),
        ("file+unpaced+loop:x.wav", .file(path: "x.wav", loop: true, paced: false)),
        ("stdin", .stdin(sampleRate: 48000, channels: 2)),
        ("stdin:44100:1", .stdin(sampleRate: 44100, channels: 1)),
        ("stdin:16000:6", .stdin(sampleRate: 16000, channels: 6)),
    ])
    func parses(text: String, expected: SourceSpec) throws {
        let spec = try SourceSpec(parsing: text)
        #expect(spec == expected)
        #expect(try SourceSpec(parsing: spec.description) == spec)  // the canonical text round-trips
    }

    @Test func canonicalText() throws {
        #expect(try SourceSpec(parsing: "alsa").description == "alsa:default")
        #expect(try SourceSpec(parsing: "file+unpaced+loop:x").description == "file+loop+unpaced:x")
        #expect(try SourceSpec(parsing: "stdin").description == "stdin:48000:2")
        #expect(try SourceSpec(parsing: SourceSpec.defaultText) == .pulse(source: "@DEFAULT_MONITOR@"))
    }

    @Test(arguments: [
        ("", "empty"),
        ("pulse:", "empty source name"),
        ("alsa:", "empty device name"),
        ("file:", "missing path"),
        ("file", "missing path"),
        ("file+loop+loop:x", "given twice"),
        ("file+fast:x", "unknown file option \"+fast\""),
        ("pulse+loop:x", "apply to file: only"),
        ("stdin:48000", "expected stdin:RATE:CHANNELS"),
        ("stdin:48000:2:1", "expected stdin:RATE:CHANNELS"),
        ("stdin:abc:2", "sample rate \"abc\""),
        ("stdin:0:2", "sample rate \"0\""),
        ("stdin:48000:0", "channel count \"0\""),
        ("stdin:48000:33", "channel count \"33\""),
        (":x", "missing the kind"),
        ("jack:system", "unknown kind \"jack\""),
        ("Pulse", "unknown kind \"Pulse\""),
        ("file:a\nb", "control character"),
    ])
    func rejects(text: String, reason: String) {
        #expect {
            try SourceSpec(parsing: text)
        } throws: { error in
            let e = error as! SourceSpecError
            let line = e.description
            return e.spec == text && e.reason.contains(reason) && !line.contains("\n")
                && line.hasPrefix("audio source \"")
        }
    }

    @Test func liveness() throws {
        #expect(try SourceSpec(parsing: "pulse").isLive)
        #expect(try SourceSpec(parsing: "alsa").isLive)
        #expect(try !SourceSpec(parsing: "file:x").isLive)
        #expect(try !SourceSpec(parsing: "stdin").isLive)
    }
}
