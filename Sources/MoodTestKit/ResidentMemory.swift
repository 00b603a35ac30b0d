#if canImport(Glibc)
import Glibc
#endif

/// This process's resident memory (or a child's: a daemon under test), from Linux's `/proc`: for
/// fuzz, soak and fault tests that must show an input cannot make a process grow without bound.
///
/// Counts the whole process, other threads' work included, so limits built on it need slack. Memory
/// that was reserved but never touched (a huge `malloc` nobody writes to) is not resident and not seen.
public enum ResidentMemory {
    /// Bytes resident now in this process, or in `process`: the second field of /proc/PID/statm, in pages.
    public static func current(of process: pid_t? = nil) -> Int? {
        guard let text = read("/proc/\(process.map(String.init) ?? "self")/statm"),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Bytes resident at the high-water mark (VmHWM of /proc/self/status) since the process started
    /// or since the last `resetPeak()`.
    public static func peak() -> Int? {
        guard let text = read("/proc/self/status"),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kB = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
        return kB * 1024
    }

    /// Sets the high-water mark to the current resident size (writes "5" to /proc/self/clear_refs,
    /// Linux 4.0 and later). Returns false where that file cannot be written; `peak()` then keeps
    /// counting from the start of the process.
    @discardableResult
    public static func resetPeak() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }

    /// Hands the free memory glibc's malloc keeps back to the system (malloc_trim(0), looked up at
    /// run time: Swift's Glibc module does not export it), so that a resident size measured after it
    /// counts memory in use rather than the allocator's cache. Does nothing where there is no such call.
    public static func releaseFreeMemory() {
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }

    /// A small /proc file in one read (they are generated whole on each read).
    private static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }
}
