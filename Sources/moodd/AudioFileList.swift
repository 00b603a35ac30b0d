#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
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

    /// `song.MP3` -> `MP3`; `README` and `.hidden` -> "".
    static func pathExtension(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
    }

    private static func isDirectory(_ path: String) -> Bool {
        (try? FileSystem.status(FilePath(path)))??.type == .directory
    }
}
