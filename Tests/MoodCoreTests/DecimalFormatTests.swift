#if canImport(Glibc)
import Glibc
#endif
import MoodCore
import MoodTestKit
import Testing

/// The one number formatter against the ones it replaced: the event lines' rule (half away from zero,
/// zeros trimmed) and C's `printf`, which the command line's tables were written with.
@Suite struct DecimalFormatTests {
    /// What glibc writes for `format` (one double argument).
    static func printf(_ format: String, _ value: Double) -> String {
        withVaList([value]) { list in
            var buffer = [CChar](repeating: 0, count: 512)
            let count = Int(vsnprintf(&buffer, buffer.count, format, list))
            return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    static let formats: [(String, DecimalFormat)] = [
        ("%.2f", .printf(decimals: 2)), ("%.3f", .printf(decimals: 3)), ("%+.2f", .printf(decimals: 2, plusSign: true)),
        ("%7.1f", .printf(decimals: 1, width: 7)), ("%.0f", .printf(decimals: 0)), ("%.4f", .printf(decimals: 4)),
    ]

    @Test func eventLinesRoundHalfAwayFromZeroAndTrimZeros() {
        let f = DecimalFormat(decimals: 4)
        #expect(f.string(0.71) == "0.71")
        #expect(f.string(-23.45) == "-23.45")
        #expect(f.string(1.0) == "1")
        #expect(f.string(0.0) == "0")
        #expect(f.string(-0.00001) == "0")
        #expect(f.string(0.00005) == "0.0001")
        #expect(DecimalFormat(decimals: 1).string(-23.25) == "-23.3")
        #expect(DecimalFormat(decimals: 2).string(0.125) == "0.13")
        #expect(DecimalFormat(decimals: 2).string(1e20) == "1e+20")
        #expect(DecimalFormat(decimals: 2, trimsZeros: false).string(0.7) == "0.70")
        #expect(DecimalFormat(decimals: 2, trimsZeros: false).string(10.0) == "10.00")
    }

    /// Exact ties (0.125, 0.625: 1 and 5 windows of 8), near ties that a product rounds onto (0.35,
    /// 2.675), negative zero, values that round to zero, widths and signs: byte for byte as glibc.
    @Test(arguments: [0.125, 0.375, 0.625, 0.875, 0.35, 2.675, 1.005, 0.045, 12.25, 0.25, 2.5, 3.5, -0.0, 0.0, -0.001,
                      -0.625, 1e-320, 123_456.789, -98.7654321, 0.5, 1.5, 9.995, 0.9999, 1234567.25, 5e-5, -5e-5])
    func matchesPrintfAtTiesAndEdges(value: Double) {
        for (format, f) in Self.formats {
            #expect(f.string(value) == Self.printf(format, value), "\(format) of \(value)")
            #expect(f.string(Float(value)) == Self.printf(format, Double(Float(value))), "\(format) of Float \(value)")
        }
    }

    @Test func matchesPrintfOnRandomValues() {
        var rng = SeededRandom(seed: 16)
        for i in 0..<50_000 {
            let magnitude = [1.0, 10, 1000, 1e6][i % 4]
            let value = Double.random(in: -magnitude...magnitude, using: &rng)
            // Every 8th value sits on a multiple of 1/8 x 10^-k: exact binary ties for some decimals.
            let candidate = i % 8 == 0 ? (value * 8).rounded() / 8 / [1.0, 10, 100, 1000][i % 32 / 8] : value
            for (format, f) in Self.formats {
                let ours = f.string(candidate), theirs = Self.printf(format, candidate)
                if ours != theirs { Issue.record("\(format) of \(candidate): \(ours) vs \(theirs)"); return }
            }
            let probability = Float.random(in: 0...1, using: &rng)
            #expect(DecimalFormat.printf(decimals: 2).string(probability) == Self.printf("%.2f", Double(probability)))
        }
    }

    @Test func nonFiniteValuesAreWrittenAsCDoes() {
        #expect(DecimalFormat.printf(decimals: 2).string(Double.nan) == "nan")
        #expect(DecimalFormat.printf(decimals: 2, plusSign: true).string(Double.infinity) == "+inf")
        #expect(DecimalFormat.printf(decimals: 1, width: 7).string(-Double.infinity) == "   -inf")
    }
}
