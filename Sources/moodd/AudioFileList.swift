#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ArgumentParser
import MoodSystem
import SystemPackage

/// The files a command such as `classify` or `tags` works through: files as given, directories
/// replaced by the audio files in them and below (by extension, case-insensitive), sorted by path.
enum AudioFileList {
    static let audioExtensions: Set<String> = ["wav", "wave", "flac", "ogg", "oga", "opus", "mp3", "aif", "aiff"]

    static func expand(_ paths: [String]) -> [String] {
        paths.flatMap { path -> [String] in
            guard isDirectory(path), let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [path] }
            let base = path.hasSuffix("/") ? path : path + "/"
            return names.sorted().flatMap { name -> [String] in
                let child = base + name
                if isDirectory(child) { return expand([child]) }
                return audioExtensions.contains(pathExtension(name).lowercased()) ? [child] : []
            }
        }
    }

    /// What `classify` and `tags` do with their arguments: `describe` each file (C libraries' own
    /// stderr chatter silenced) and print what it returns; a file it fails on is one line on stderr and
    /// the others go on, then exit status 1. A progress line on a terminal.
    static func report(_ paths: [String], _ describe: (String) throws -> String) throws {
        let inputs = expand(paths)
        let progress = Progress(total: inputs.count)
        var failed = false
        for (i, file) in inputs.enumerated() {
            progress.show(i, file)
            do {
                let text = try Diagnostics.silencingLibraries { try describe(file) }
                progress.clear()
                print(text)
            } catch {
                progress.clear()
                Diagnostics.error(String(describing: error))
                failed = true
            }
        }
        progress.clear()
        if failed { throw ExitCode(1) }
    }

    /// `song.MP3` -> `MP3`; `README` and `.hidden` -> "".
    static func pathExtension(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
    }

    private static func isDirectory(_ path: String) -> Bool {
        (try? FileSystem.status(FilePath(path)))??.type == .directory
    }
}
