/// Appends JSON tokens to a byte buffer: the hand-rolled encoder behind every event line.
///
/// It checks nothing about structure (the event encoders emit fixed shapes, key order included) and
/// allocates only when `bytes` grows, so encoding a `mood` event is a few hundred byte appends.
/// Numbers are written by `DecimalFormat` with a fixed number of decimals, trailing zeros trimmed, so
/// the same value always encodes to the same text; NaN and infinities are written as `null`, never as
/// invalid JSON.
struct JSONWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// `"key":`; keys are ASCII literals chosen here, so they need no escaping.
    mutating func key(_ name: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    mutating func comma() { bytes.append(UInt8(ascii: ",")) }

    mutating func null() { raw("null") }

    mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    mutating func integer(_ value: Int) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        DecimalFormat.writeDigits(UInt64(value.magnitude), into: &bytes)
    }

    /// A string with the escapes RFC 8259 requires (`"`, `\`, U+0000...U+001F) plus U+2028/U+2029,
    /// which some JavaScript line readers treat as newlines.
    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var utf8 = value.utf8.makeIterator()
        var pending: [UInt8] = []  // a lead byte E2 80 that might start U+2028/U+2029
        while let byte = utf8.next() {
            if !pending.isEmpty {
                pending.append(byte)
                if pending.count == 2, byte != 0x80 {
                    bytes.append(contentsOf: pending); pending.removeAll(); continue
                }
                if pending.count == 3 {
                    if byte == 0xA8 { raw("\\u2028") } else if byte == 0xA9 { raw("\\u2029") } else {
                        bytes.append(contentsOf: pending)
                    }
                    pending.removeAll()
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case 0x00..<0x20:
                raw("\\u00")
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 0xF)])
            case 0xE2: pending.append(byte)
            default: bytes.append(byte)
            }
        }
        bytes.append(contentsOf: pending)
        bytes.append(UInt8(ascii: "\""))
    }

    /// `value` rounded half away from zero to `decimals` (0...9) places, trailing zeros trimmed
    /// (`DecimalFormat`): `0.71`, `-23.4`, `1`, `0`. Non-finite values are written as `null`.
    mutating func number(_ value: Double, decimals: Int) {
        guard value.isFinite else { return null() }
        DecimalFormat(decimals: decimals).write(value, into: &bytes)
    }

    mutating func number(_ value: Float, decimals: Int) { number(Double(value), decimals: decimals) }

    mutating func timestamp(_ time: Timestamp) {
        bytes.append(UInt8(ascii: "\""))
        time.write(into: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)
}
