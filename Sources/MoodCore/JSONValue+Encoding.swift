extension JSONValue {
    /// Compact JSON text, members in their stored order, numbers with at most `decimals` decimals
    /// (integers exactly), NaN and infinities as `null`. For command-line output (`moodd tags --json`,
    /// `moodd classify --json`); events use their own fixed-shape encoders.
    public func encoded(decimals: Int = 4) -> String {
        var writer = JSONWriter()
        write(into: &writer, decimals: decimals)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    private func write(into writer: inout JSONWriter, decimals: Int) {
        switch self {
        case .null: writer.null()
        case .bool(let b): writer.bool(b)
        case .number(let d):
            if d.isFinite, d == d.rounded(), abs(d) < 1e15 { writer.integer(Int(d)) } else { writer.number(d, decimals: decimals) }
        case .string(let s): writer.string(s)
        case .array(let items):
            writer.raw("[")
            for (i, item) in items.enumerated() {
                if i > 0 { writer.comma() }
                item.write(into: &writer, decimals: decimals)
            }
            writer.raw("]")
        case .object(let members):
            writer.raw("{")
            for (i, member) in members.enumerated() {
                if i > 0 { writer.comma() }
                writer.string(member.key)
                writer.raw(":")
                member.value.write(into: &writer, decimals: decimals)
            }
            writer.raw("}")
        }
    }
}
