import Foundation
import MoodCore
import MoodTestKit
import Testing

/// `moodd scan` and `moodd playlist` on a small generated library, through the built executable.
@Suite(.timeLimit(.minutes(2))) struct ScanCommandTests {
    /// A library: two copies of the 37-s demo (music) in nested folders, a text file, and a file that
    /// only looks like audio.
    static func library(in dir: TemporaryDirectory) throws -> String {
        let root = dir.path + "/music"
        try FileManager.default.createDirectory(atPath: root + "/artist/album", withIntermediateDirectories: true)
        let demo = RunCommandDaemonTests.repository + "/examples/demo.ogg"
        try FileManager.default.copyItem(atPath: demo, toPath: root + "/artist/album/01 one.ogg")
        try FileManager.default.copyItem(atPath: demo, toPath: root + "/two.ogg")
        try Data("liner notes".utf8).write(to: URL(fileURLWithPath: root + "/artist/notes.txt"))
        try Data("not audio at all".utf8).write(to: URL(fileURLWithPath: root + "/artist/broken.mp3"))
        return root
    }

    static func rows(_ db: String) throws -> [String] {
        try Command.run("moodd", ["playlist", "--db", db, "--valence", "0", "--arousal", "0", "--limit", "100"]).stdout
            .split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
    }

    @Test func scansRecursivelyRecordsTheUnreadableAndRescansOnlyWhatChanged() throws {
        let dir = try TemporaryDirectory()
        let root = try Self.library(in: dir)
        let db = dir.path + "/library.db"
        let first = try Command.run("moodd", ["scan", root, "--db", db, "--jobs", "2"])
        #expect(first.status == 1, "\(first.stderr)")
        #expect(first.stdout.isEmpty)
        let errors = first.stderr.split(separator: "\n").filter { $0.hasPrefix("moodd: ") }
        #expect(errors.count == 1 && errors[0].hasPrefix("moodd: \(root)/artist/broken.mp3: "), "\(first.stderr)")
        #expect(first.stderr.contains("2 files classified, 1 unreadable, 0 unchanged"), "\(first.stderr)")
        #expect(Set(try Self.rows(db)) == [root + "/artist/album/01 one.ogg", root + "/two.ogg"])

        let again = try Command.run("moodd", ["scan", root, "--db", db])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("0 files classified, 0 unreadable, 3 unchanged"), "\(again.stderr)")

        // A file rewritten (new size and time) is decoded again; the others are not.
        try FileManager.default.removeItem(atPath: root + "/two.ogg")
        try FileManager.default.copyItem(atPath: try EmbedAndTagsCommandTests.longClip(in: dir), toPath: root + "/two.ogg")
        let changed = try Command.run("moodd", ["scan", root, "--db", db])
        #expect(changed.stderr.contains("1 files classified, 0 unreadable, 2 unchanged"), "\(changed.stderr)")

        let stats = try Command.run("moodd", ["scan", "--stats", "--db", db])
        #expect(stats.status == 0)
        #expect(stats.stdout.hasPrefix("\(db): 3 tracks (1 unreadable)"), "\(stats.stdout)")
    }

    /// Two jobs give the file by file the same verdicts as one.
    @Test func twoJobsAgreeWithOne() throws {
        let dir = try TemporaryDirectory()
        let root = try Self.library(in: dir)
        _ = try Command.run("moodd", ["scan", root, "--db", dir.path + "/one.db", "--jobs", "1"])
        _ = try Command.run("moodd", ["scan", root, "--db", dir.path + "/two.db", "--jobs", "2"])
        let one = try Command.run("moodd", ["playlist", "--db", dir.path + "/one.db", "--valence", "0.3", "--arousal", "0.3"]).stdout
        let two = try Command.run("moodd", ["playlist", "--db", dir.path + "/two.db", "--valence", "0.3", "--arousal", "0.3"]).stdout
        #expect(one == two)
        #expect(one.split(separator: "\n").count == 3)
    }

    @Test func playlistsByMoodOrPointRelativeToTheMusicFolder() throws {
        let dir = try TemporaryDirectory()
        let root = try Self.library(in: dir)
        let db = dir.path + "/library.db"
        _ = try Command.run("moodd", ["scan", root, "--db", db])
        let classify = try Command.run("moodd", ["classify", "--json", root + "/two.ogg"])
        let label = try #require(try JSONValue.parse(classify.stdout)["label"]?.stringValue)
        let byMood = try Command.run("moodd", ["playlist", "--db", db, "--mood", label, "--relative-to", root])
        #expect(byMood.status == 0, "\(byMood.stderr)")
        #expect(byMood.stdout.split(separator: "\n").map(String.init) == ["#EXTM3U", "artist/album/01 one.ogg", "two.ogg"])
        let limited = try Command.run("moodd", ["playlist", "--db", db, "--valence", "1", "--arousal", "1", "--limit", "1"])
        #expect(limited.stdout.split(separator: "\n").count == 2)
    }

    /// Paths given relative to the working directory are recorded absolute, so a playlist made
    /// --relative-to the music folder (MPD's music_directory) finds them.
    @Test func relativeFoldersAreRecordedAbsolute() throws {
        let dir = try TemporaryDirectory()
        _ = try Self.library(in: dir)
        let db = dir.path + "/library.db"
        let scan = Process()
        scan.executableURL = URL(fileURLWithPath: Command.buildDirectory + "/moodd")
        scan.arguments = ["scan", "./music/artist/../", "--db", "library.db"]
        scan.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        scan.standardError = FileHandle.nullDevice
        try scan.run()
        scan.waitUntilExit()
        #expect(scan.terminationStatus == 1)  // broken.mp3
        let list = try Command.run("moodd", ["playlist", "--db", db, "--valence", "0", "--arousal", "0", "--relative-to", dir.path + "/music"])
        #expect(list.stdout.split(separator: "\n").map(String.init).sorted() == ["#EXTM3U", "artist/album/01 one.ogg", "two.ogg"], "\(list.stdout)")
    }

    @Test(arguments: [
        (["scan", "<dir>", "--db", "<dir>"], 78, "moodd: <dir>: cannot open the database"),
        (["scan", "<dir>", "--db", "<text>"], 78, "moodd: <text>: "),
        (["scan", "--db", "<db>"], 64, "Error: give at least one folder to scan"),
        (["scan", "<dir>", "--db", "<db>", "--jobs", "0"], 64, "Error: --jobs must be 1 to 256, got 0"),
        (["playlist", "--db", "<db>", "--valence", "2", "--arousal", "0"], 64, "Error: --valence must be in -1...1, got 2.0"),
        (["playlist", "--db", "<db>", "--valence", "0"], 64, "Error: give --valence and --arousal together"),
        (["playlist", "--db", "<db>"], 64, "Error: give --mood LABEL, or --valence V --arousal A"),
    ])
    func badInputIsOneLine(arguments: [String], status: Int32, prefix: String) throws {
        let dir = try TemporaryDirectory()
        let text = dir.path + "/notes.txt"
        try Data(String(repeating: "not a database. ", count: 20).utf8).write(to: URL(fileURLWithPath: text))
        let swap = { (s: String) in s.replacingOccurrences(of: "<dir>", with: dir.path).replacingOccurrences(of: "<text>", with: text)
            .replacingOccurrences(of: "<db>", with: dir.path + "/library.db") }
        let result = try Command.run("moodd", arguments.map(swap))
        #expect(result.status == status, "\(result.stderr)")
        #expect(result.stderr.hasPrefix(swap(prefix)), "\(result.stderr)")
        #expect(!result.crashed)
    }
}
