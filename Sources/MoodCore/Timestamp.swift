/// A wall-clock instant with millisecond resolution: the `time` of every event.
///
/// The pure core never reads a clock; the I/O shell stamps each analysis with the wall time it
/// read (`clock_gettime(CLOCK_REALTIME)`) and passes it in. Rendered as RFC 3339 UTC with exactly
/// three fractional digits, `2026-11-21T10:00:00.000Z`, which sorts lexicographically.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z, negative before.
    public var millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// Rounds down to the millisecond, so a timestamp never lies in the future of the instant it names.
    public init(secondsSinceEpoch: Double) {
        let ms = (secondsSinceEpoch * 1000).rounded(.down)
        // ±2^62 ms is ~146 million years: beyond that the value is nonsense anyway; clamp instead of trapping.
        self.millisecondsSinceEpoch = Int64(max(-4.6e18, min(4.6e18, ms.isNaN ? 0 : ms)))
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        a.millisecondsSinceEpoch < b.millisecondsSinceEpoch
    }

    /// Seconds from `self` to `later` (negative when `later` is earlier).
    public func seconds(until later: Timestamp) -> Double {
        Double(later.millisecondsSinceEpoch - millisecondsSinceEpoch) / 1000
    }

    public var description: String { rfc3339 }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`. Years outside 0000...9999 are clamped to that range, the only
    /// years RFC 3339 can write.
    public var rfc3339: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        write(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the RFC 3339 form to `bytes` (no quotes); used by the JSON encoder without a `String` detour.
    func write(into bytes: inout [UInt8]) {
        let msPerDay: Int64 = 86_400_000
        let lowest = Timestamp.daysFromCivil(year: 0, month: 1, day: 1) * msPerDay
        let highest = (Timestamp.daysFromCivil(year: 10_000, month: 1, day: 1)) * msPerDay - 1
        let ms = min(max(millisecondsSinceEpoch, lowest), highest)
        let days = ms >= 0 ? ms / msPerDay : (ms - msPerDay + 1) / msPerDay  // floor division
        let msOfDay = ms - days * msPerDay
        let (y, m, d) = Timestamp.civilFromDays(days)
        func digits(_ value: Int64, _ width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var v = value
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(v / divisor))
                v %= divisor
                divisor /= 10
            }
        }
        digits(y, 4); bytes.append(UInt8(ascii: "-"))
        digits(m, 2); bytes.append(UInt8(ascii: "-"))
        digits(d, 2); bytes.append(UInt8(ascii: "T"))
        digits(msOfDay / 3_600_000, 2); bytes.append(UInt8(ascii: ":"))
        digits(msOfDay / 60_000 % 60, 2); bytes.append(UInt8(ascii: ":"))
        digits(msOfDay / 1000 % 60, 2); bytes.append(UInt8(ascii: "."))
        digits(msOfDay % 1000, 3); bytes.append(UInt8(ascii: "Z"))
    }

    /// Parses RFC 3339 (`2026-11-21T10:00:00Z`, `...00.5+01:00`, `t`/`z` in lower case); fractions
    /// beyond milliseconds are truncated. Leap seconds (`:60`) are rejected: moodd never writes them.
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        var i = 0
        func number(_ width: Int) -> Int64? {
            guard i + width <= b.count else { return nil }
            var v: Int64 = 0
            for k in i..<i + width {
                guard b[k] >= 0x30, b[k] <= 0x39 else { return nil }
                v = v * 10 + Int64(b[k] - 0x30)
            }
            i += width
            return v
        }
        func expect(_ chars: String) -> Bool {
            guard i < b.count, chars.utf8.contains(b[i]) else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            expect("Tt "), let hour = number(2), expect(":"), let minute = number(2), expect(":"),
            let second = number(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= Timestamp.daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var millis: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var count = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if count < 3 { millis = millis * 10 + Int64(b[i] - 0x30) }
                count += 1
                i += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<max(count, 3) { millis *= 10 }
        }
        var offsetMinutes: Int64 = 0
        if expect("Zz") {
        } else if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign: Int64 = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let oh = number(2), expect(":"), let om = number(2), oh < 24, om < 60 else { return nil }
            offsetMinutes = sign * (oh * 60 + om)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
        let seconds = ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60 + second
        self.init(millisecondsSinceEpoch: seconds * 1000 + millis)
    }

    // Howard Hinnant's algorithms (http://howardhinnant.github.io/date_algorithms.html), proleptic Gregorian.

    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
