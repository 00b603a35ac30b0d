#if canImport(Glibc)
import Glibc
#endif

/// "[3/40] song.mp3" on stderr, rewritten in place, only when stderr is a terminal.
struct Progress {
    let total: Int
    let enabled = isatty(2) != 0

    func show(_ index: Int, _ file: String) {
        guard enabled, total > 1 else { return }
        let name = file.split(separator: "/").last.map(String.init) ?? file
        writeStandardError("\r\u{1B}[K[\(index + 1)/\(total)] \(name)")
    }

    func clear() {
        guard enabled, total > 1 else { return }
        writeStandardError("\r\u{1B}[K")
    }
}
