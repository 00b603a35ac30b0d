#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Finds the model files moodd ships when no `--model` is given.
///
/// Looked for, in order: beside an installed binary (`<prefix>/bin/moodd` -> `<prefix>/share/moodd/`),
/// in the source tree a build runs from (`models/` in a parent of `.build/.../moodd`), then
/// `/usr/local/share/moodd/` and `/usr/share/moodd/`.
enum ModelLocator {
    /// The musicnn backbone alone (tags and embeddings).
    static let backbone = "msd_musicnn.safetensors"
    /// The backbone with the 4-quadrant mood head (happy, angry, sad, relaxed): the daemon's default.
    static let mood = "moodd-4q.safetensors"

    struct NotFound: Error, CustomStringConvertible {
        var name: String
        var searched: [String]
        var description: String {
            "model \(name) not found (looked in \(searched.joined(separator: ", "))); pass --model PATH"
        }
    }

    static func path(_ name: String) throws -> String {
        let candidates = directories().map { $0 + "/" + name }
        if let found = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0) }) { return found }
        throw NotFound(name: name, searched: directories())
    }

    private static func directories() -> [String] {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dirs: [String] = []
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        dirs.append(url.deletingLastPathComponent().appendingPathComponent("share/moodd").path)
        for _ in 0..<5 where url.path != "/" {  // .build/x86_64-unknown-linux-gnu/release/moodd
            url = url.deletingLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                dirs.append(url.appendingPathComponent("models").path)
                break
            }
        }
        return dirs + ["/usr/local/share/moodd", "/usr/share/moodd"]
    }
}
