#if canImport(Glibc)
import Glibc
#endif
import MoodSystem
import SystemPackage

/// printf-style formatting of numbers for the commands' text output (`"%.2f"`, `"%+.2f"`,
/// `"%7.1f"`), through C's `vsnprintf`: `String(format:)` would pull all of Foundation (and ICU's
/// data, ~10 MB of the daemon's resident size) into a process that needs none of it.
func cFormat(_ format: String, _ arguments: CVarArg...) -> String {
    withVaList(arguments) { list in
        var buffer = [CChar](repeating: 0, count: 256)
        let count = Int(vsnprintf(&buffer, buffer.count, format, list))
        guard count >= 0 else { return "" }
        if count >= buffer.count {
            buffer = [CChar](repeating: 0, count: count + 1)
            _ = withVaList(arguments) { again in vsnprintf(&buffer, buffer.count, format, again) }
        }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// `text` padded with spaces on the right to `width` characters (never cut).
func padded(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

/// Writes `text` to standard error unbuffered, as one `write(2)` where possible.
func writeStandardError(_ text: String) {
    _ = Array(text.utf8).withUnsafeBytes { FileDescriptor.standardError.write(fully: $0) }
}
