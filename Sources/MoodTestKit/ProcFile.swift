import MoodSystem
import SystemPackage

/// The text of a `/proc` file, read to its end. Foundation's `String(contentsOfFile:)` stops at the
/// first 4 KiB of a file whose size `stat` reports as 0, as procfs does: `/proc/net/unix` on a busy
/// machine (a few dozen sockets) lost its tail, and with it the sockets a test looked for.
public enum ProcFile {
    /// nil if `path` cannot be read.
    public static func read(_ path: String, limit: Int = 64 << 20) -> String? {
        guard let fd = try? FileDescriptor.open(FilePath(path), .readOnly) else { return nil }
        defer { try? fd.close() }
        guard let bytes = try? fd.read(upTo: limit) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
