#if canImport(Glibc)
import Glibc
#endif
import MoodSystem
import SystemPackage

/// `text` padded with spaces on the right to `width` characters (never cut).
func padded(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

/// Writes `text` to standard error unbuffered, as one `write(2)` where possible.
func writeStandardError(_ text: String) {
    _ = Array(text.utf8).withUnsafeBytes { FileDescriptor.standardError.write(fully: $0) }
}
