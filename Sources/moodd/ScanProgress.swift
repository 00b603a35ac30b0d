#if canImport(Glibc)
import Glibc
#endif
import MoodCore
import MoodSystem
import SystemPackage

/// `moodd scan`'s progress line, rewritten in place on a terminal (nothing otherwise):
/// `[120/2000] 6.1 h of audio, 2.3 h/min, 13 min left`.
struct ScanProgress {
    let total: Int
    let unchanged: Int
    let output: FileDescriptor
    private let enabled: Bool
    private let start = SystemClock.now
    private(set) var done = 0
    private(set) var seconds = 0.0

    init(total: Int, unchanged: Int, output: FileDescriptor) {
        self.total = total
        self.unchanged = unchanged
        self.output = output
        enabled = isatty(output.rawValue) != 0
    }

    mutating func add(seconds: Double) {
        done += 1
        self.seconds += seconds
    }

    var elapsed: Double { (SystemClock.now - start).inSeconds }
    var hoursText: String { DecimalFormat.printf(decimals: 1).string(seconds / 3600) + " h" }
    var elapsedText: String { DecimalFormat.printf(decimals: 1).string(elapsed) + " s" }

    /// Hours of audio per minute of wall time.
    var rate: Double { elapsed > 0 ? seconds / 3600 / (elapsed / 60) : 0 }

    func show() {
        guard enabled, total > 0 else { return }
        var line = "[\(done)/\(total)] \(hoursText) of audio"
        if done > 0, elapsed > 1 {
            let left = elapsed / Double(done) * Double(total - done)
            line += ", " + DecimalFormat.printf(decimals: 1).string(rate) + " h/min, " + Self.duration(left) + " left"
        }
        write("\r\u{1B}[K" + line)
    }

    func clear() {
        guard enabled, total > 0 else { return }
        write("\r\u{1B}[K")
    }

    func write(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { output.write(fully: $0) }
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 90 ? "\(Int(seconds.rounded())) s" : seconds < 5400 ? "\(Int((seconds / 60).rounded())) min"
            : DecimalFormat.printf(decimals: 1).string(seconds / 3600) + " h"
    }
}
