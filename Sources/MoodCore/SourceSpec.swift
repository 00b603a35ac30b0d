/// Where the daemon's audio comes from: the parsed value of `audio.source` / `--source`.
///
/// Grammar (the text before the first `:` picks the kind; everything after it is taken verbatim,
/// so PulseAudio names, ALSA device strings and paths may contain `:`):
///
/// | spec                          | meaning                                                                 |
/// |-------------------------------|-------------------------------------------------------------------------|
/// | `pulse`                       | PulseAudio (or PipeWire's pulse server): the server's default source     |
/// | `pulse:SOURCE`                | a named source; `pulse:@DEFAULT_MONITOR@` = what the machine is playing |
/// | `alsa` / `alsa:DEVICE`        | an ALSA capture PCM (`default`, `hw:1,0`, `plughw:CARD=USB,DEV=0`, ...) |
/// | `file:PATH`                   | an audio file, delivered in real time, ends at its end                  |
/// | `file+loop:PATH`              | ... starting again from the top at the end                              |
/// | `file+unpaced:PATH`           | ... as fast as it decodes (batch runs, tests)                           |
/// | `file+loop+unpaced:PATH`      | both (options in any order)                                             |
/// | `stdin` / `stdin:RATE:CHANNELS` | raw interleaved s16le on standard input; `stdin` = `stdin:48000:2`    |
///
/// Parsing is pure: nothing is opened or checked on disk here (MoodAudio does that when the
/// source opens), so `moodd config check` can validate a spec on another machine.
public enum SourceSpec: Sendable, Hashable, CustomStringConvertible {
    /// `source` nil: the server's default source.
    case pulse(source: String?)
    case alsa(device: String)
    /// `loop`: restart at the end. `paced`: deliver samples no faster than real time.
    case file(path: String, loop: Bool, paced: Bool)
    /// Raw s16le, interleaved. `sampleRate` Hz in `stdinRates`, `channels` in `stdinChannels`.
    case stdin(sampleRate: Int, channels: Int)

    /// The spec the daemon uses when none is configured: the loopback of the default output.
    public static let defaultText = "pulse:@DEFAULT_MONITOR@"
    /// `defaultText`, parsed.
    public static let defaultSource = SourceSpec.pulse(source: "@DEFAULT_MONITOR@")
    public static let defaultALSADevice = "default"
    public static let defaultStdinRate = 48000
    public static let defaultStdinChannels = 2
    /// Hz accepted for `stdin:RATE:CHANNELS` (what libsoxr and a sane pipeline handle).
    public static let stdinRates = 1000...768_000
    public static let stdinChannels = 1...32

    /// False for an unpaced file: a batch source, which the daemon reads losslessly (capture waits
    /// for the analysis instead of dropping samples) and analyses on the audio's own clock (a
    /// `hop` of samples, not of wall time, between windows). True for everything live or paced.
    public var isRealTime: Bool {
        if case .file(_, _, let paced) = self { return paced }
        return true
    }

    /// Parses `text` (see the table above). Throws a `SourceSpecError` whose description is one
    /// line naming the spec and what is wrong with it.
    public init(parsing text: String) throws(SourceSpecError) {
        func fail(_ reason: String) -> SourceSpecError { SourceSpecError(spec: text, reason: reason) }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw fail("contains a control character")
        }
        let kind: Substring
        let rest: Substring?
        if let colon = text.firstIndex(of: ":") {
            kind = text[..<colon]
            rest = text[text.index(after: colon)...]
        } else {
            kind = text[...]
            rest = nil
        }
        let parts = kind.split(separator: "+", omittingEmptySubsequences: false)
        let name = parts.first.map(String.init) ?? ""
        let options = parts.dropFirst().map(String.init)
        if name != "file", let option = options.first {
            throw fail("options like \"+\(option)\" apply to file: only")
        }
        switch name {
        case "pulse":
            guard let rest else {
                self = .pulse(source: nil)
                return
            }
            guard !rest.isEmpty else { throw fail("empty source name; write \"pulse\" for the default source") }
            self = .pulse(source: String(rest))
        case "alsa":
            guard let rest else {
                self = .alsa(device: Self.defaultALSADevice)
                return
            }
            guard !rest.isEmpty else { throw fail("empty device name; write \"alsa\" for the default device") }
            self = .alsa(device: String(rest))
        case "file":
            var loop = false, paced = true
            for option in options {
                switch option {
                case "loop" where !loop: loop = true
                case "unpaced" where paced: paced = false
                case "loop", "unpaced": throw fail("option \"+\(option)\" given twice")
                default: throw fail("unknown file option \"+\(option)\"; known: +loop, +unpaced")
                }
            }
            guard let rest, !rest.isEmpty else { throw fail("missing path; write file:PATH") }
            self = .file(path: String(rest), loop: loop, paced: paced)
        case "stdin":
            guard let rest else {
                self = .stdin(sampleRate: Self.defaultStdinRate, channels: Self.defaultStdinChannels)
                return
            }
            let fields = rest.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 2 else { throw fail("expected stdin:RATE:CHANNELS, e.g. stdin:48000:2") }
            guard let rate = Int(fields[0]), Self.stdinRates.contains(rate) else {
                throw fail("sample rate \"\(fields[0])\" is not a whole number of Hz in \(Self.stdinRates.lowerBound)...\(Self.stdinRates.upperBound)")
            }
            guard let channels = Int(fields[1]), Self.stdinChannels.contains(channels) else {
                throw fail("channel count \"\(fields[1])\" is not a whole number in \(Self.stdinChannels.lowerBound)...\(Self.stdinChannels.upperBound)")
            }
            self = .stdin(sampleRate: rate, channels: channels)
        case "":
            throw fail(text.isEmpty ? "empty; expected pulse[:SOURCE], alsa[:DEVICE], file:PATH or stdin[:RATE:CHANNELS]"
                                    : "missing the kind before \":\"")
        default:
            throw fail("unknown kind \"\(name)\"; expected pulse[:SOURCE], alsa[:DEVICE], file[+loop][+unpaced]:PATH or stdin[:RATE:CHANNELS]")
        }
    }

    /// The canonical text: parses back to the same value.
    public var description: String {
        switch self {
        case .pulse(let source): source.map { "pulse:\($0)" } ?? "pulse"
        case .alsa(let device): "alsa:\(device)"
        case .file(let path, let loop, let paced): "file\(loop ? "+loop" : "")\(paced ? "" : "+unpaced"):\(path)"
        case .stdin(let rate, let channels): "stdin:\(rate):\(channels)"
        }
    }

    /// True for sources that can disappear and come back (a sound server, a USB device), which
    /// the capture loop reopens with backoff; false for files and pipes, which just end.
    public var isLive: Bool {
        switch self {
        case .pulse, .alsa: true
        case .file, .stdin: false
        }
    }
}

/// A source spec that does not parse. `description`: `audio source "alsa:": empty device name; ...`.
public struct SourceSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text as given.
    public var spec: String
    public var reason: String

    public init(spec: String, reason: String) {
        self.spec = spec
        self.reason = reason
    }

    public var description: String {
        let shown = spec.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : String($0) }.joined()
        return "audio source \"\(shown)\": \(reason)"
    }
}
