import ArgumentParser
import MoodCore
import MoodLibrary

/// `moodd playlist --db PATH (--mood LABEL | --valence V --arousal A)`: an M3U of the library's
/// tracks closest to a mood, from what `moodd scan` recorded.
struct PlaylistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "playlist",
        abstract: "Print an M3U playlist of the scanned tracks closest to a mood or to a valence and arousal.",
        discussion: """
            With --mood, the tracks labelled so, most confident first; with --valence and --arousal (each \
            -1...1, as in the daemon's events), the tracks nearest that point of the circumplex, nearest \
            first (--mood then only filters). Tracks that are less than half music, and files that could \
            not be read, are never listed. Paths are as scanned, or relative to --relative-to (what MPD's \
            `music_directory` needs).
            """
    )

    @Option(help: "The library database `moodd scan` wrote.")
    var db: String

    @Option(help: "A mood label of the model (happy, angry, sad, relaxed).")
    var mood: String?

    @Option(help: "Valence to be near, -1 to 1.")
    var valence: Double?

    @Option(help: "Arousal to be near, -1 to 1.")
    var arousal: Double?

    @Option(help: "At most this many tracks.")
    var limit: Int = 50

    @Option(help: "Print paths relative to this folder (tracks outside it are left out).")
    var relativeTo: String?

    func validate() throws {
        guard (valence == nil) == (arousal == nil) else { throw ValidationError("give --valence and --arousal together") }
        guard mood != nil || valence != nil else { throw ValidationError("give --mood LABEL, or --valence V --arousal A") }
        for (name, value) in [("--valence", valence), ("--arousal", arousal)] {
            if let value, !(value.isFinite && (-1...1).contains(value)) { throw ValidationError("\(name) must be in -1...1, got \(value)") }
        }
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1, got \(limit)") }
    }

    func run() throws {
        let paths: [String]
        do {
            let library = try LibraryDatabase(path: db)
            if let valence, let arousal {
                paths = try library.nearest(valence: valence, arousal: arousal, label: mood, limit: relativeTo == nil ? limit : Int.max / 2).map(\.path)
            } else {
                paths = try library.withLabel(mood!, limit: relativeTo == nil ? limit : Int.max / 2)
            }
        } catch {
            throw Diagnostics.fail(error)
        }
        var lines = ["#EXTM3U"]
        let base = relativeTo.map { $0.hasSuffix("/") ? $0 : $0 + "/" }
        for path in paths where lines.count <= limit {
            if let base {
                guard path.hasPrefix(base) else { continue }
                lines.append(String(path.dropFirst(base.count)))
            } else {
                lines.append(path)
            }
        }
        print(lines.joined(separator: "\n"))
    }
}
