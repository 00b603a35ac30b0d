/// Fixed-point decimal text for numbers: moodd's one number formatter, behind the event lines
/// (`JSONWriter`), the text log, `JSONValue.encoded`, systemd's `STATUS=` line and the command line's
/// tables (`moodd classify`, `moodd tags`). No Foundation and no C `printf`: `String(format:)` would pull
/// all of Foundation (and ICU's data, ~10 MB of resident memory) into the daemon.
///
///     DecimalFormat(decimals: 4).string(0.71)                                  // 0.71     (event lines)
///     DecimalFormat(decimals: 2, trimsZeros: false).string(0.7)                // 0.70     (STATUS=)
///     DecimalFormat.printf(decimals: 2, plusSign: true).string(0.625)          // +0.62    (%+.2f)
///     DecimalFormat.printf(decimals: 1, width: 7).string(12.25)                //    12.2 (%7.1f)
public struct DecimalFormat: Sendable, Equatable {
    public enum Rounding: Sendable, Equatable {
        /// `value × 10^decimals`, as computed in `Double`, rounded half away from zero; a result that
        /// rounds to zero has no minus sign. The event lines' rule (docs/protocol.md): the same value
        /// always encodes to the same text.
        case halfAwayFromZero
        /// The exact binary value rounded half to even, the sign kept (`-0.00`): C's `printf("%.Nf")`,
        /// which the command line's tables were written with.
        case halfEven
    }

    /// Digits after the point, 0...9.
    public var decimals: Int
    /// `0.7` rather than `0.70`, `1` rather than `1.00`.
    public var trimsZeros: Bool
    public var rounding: Rounding
    /// `+` before positive numbers and zero (`%+f`).
    public var plusSign: Bool
    /// Spaces on the left up to this many characters (`%7f`); never cut.
    public var width: Int

    public init(decimals: Int, trimsZeros: Bool = true, rounding: Rounding = .halfAwayFromZero,
                plusSign: Bool = false, width: Int = 0) {
        precondition((0...9).contains(decimals), "decimals must be 0...9")
        self.decimals = decimals
        self.trimsZeros = trimsZeros
        self.rounding = rounding
        self.plusSign = plusSign
        self.width = width
    }

    /// What C's `printf("%+<width>.<decimals>f")` writes for finite values of magnitude below 9e15 / 10^decimals.
    public static func printf(decimals: Int, plusSign: Bool = false, width: Int = 0) -> DecimalFormat {
        DecimalFormat(decimals: decimals, trimsZeros: false, rounding: .halfEven, plusSign: plusSign, width: width)
    }

    public func string(_ value: Double) -> String {
        var bytes: [UInt8] = []
        write(value, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    public func string(_ value: Float) -> String { string(Double(value)) }

    /// Appends `value`'s text. Non-finite values are written as C does (`nan`, `inf`, `-inf`): a JSON
    /// or text encoder writes its own placeholder (`null`, `-`) instead of calling this. Beyond 9e15
    /// units of the last decimal the decimals are noise, and Swift's shortest round-trip form is
    /// written (valid JSON; not what `printf` writes).
    public func write(_ value: Double, into bytes: inout [UInt8]) {
        let start = bytes.count
        defer {
            if bytes.count - start < width {
                bytes.insert(contentsOf: repeatElement(UInt8(ascii: " "), count: width - (bytes.count - start)), at: start)
            }
        }
        let scale = Self.powersOf10[decimals]
        guard value.isFinite else {
            if value.sign == .minus { bytes.append(UInt8(ascii: "-")) } else if plusSign { bytes.append(UInt8(ascii: "+")) }
            bytes.append(contentsOf: (value.isNaN ? "nan" : "inf").utf8)
            return
        }
        let negative: Bool
        let units: Double  // |value| x 10^decimals, rounded to a whole number
        switch rounding {
        case .halfAwayFromZero:
            let scaled = (value * Double(scale)).rounded(.toNearestOrAwayFromZero)
            negative = scaled < 0  // -0.00001 rounds to 0 and is written as 0
            units = scaled.magnitude
        case .halfEven:
            negative = value.sign == .minus
            units = Self.roundedHalfEven(value.magnitude, scale: Double(scale))
        }
        guard units < 9.0e15 else {
            if plusSign, value >= 0 { bytes.append(UInt8(ascii: "+")) }
            bytes.append(contentsOf: value.description.utf8)
            return
        }
        if negative { bytes.append(UInt8(ascii: "-")) } else if plusSign { bytes.append(UInt8(ascii: "+")) }
        let n = UInt64(units)
        Self.writeDigits(n / UInt64(scale), into: &bytes)
        var fraction = n % UInt64(scale)
        var width = decimals
        if trimsZeros {
            guard fraction != 0 else { return }
            while fraction % 10 == 0 { fraction /= 10; width -= 1 }
        }
        guard width > 0 else { return }
        bytes.append(UInt8(ascii: "."))
        var divisor: UInt64 = 1
        for _ in 1..<width { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(fraction / divisor))
            fraction %= divisor
            divisor /= 10
        }
    }

    /// `magnitude × scale` rounded half to even as if computed exactly: the product's rounding error
    /// is recovered with a fused multiply-add, so a product that merely rounds onto a tie (0.35 × 10)
    /// is not taken for one. Exact while the product is below 2^53.
    static func roundedHalfEven(_ magnitude: Double, scale: Double) -> Double {
        let product = magnitude * scale
        guard product < 0x1p53 else { return product.rounded(.toNearestOrEven) }
        let error = (-product).addingProduct(magnitude, scale)  // exact: magnitude x scale - product
        let whole = product.rounded(.down)
        let past = (product - whole) - 0.5  // the fraction's distance past one half, less `error`
        if past > -error { return whole + 1 }
        if past < -error { return whole }
        return whole.truncatingRemainder(dividingBy: 2) == 0 ? whole : whole + 1
    }

    /// The decimal digits of `value`, no sign, no padding.
    static func writeDigits(_ value: UInt64, into bytes: inout [UInt8]) {
        var v = value
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                count += 1
            } while v > 0
            bytes.append(contentsOf: buffer[(20 - count)...])
        }
    }

    private static let powersOf10: [Int64] = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000]
}
