import MoodCore

/// The JSON header of a safetensors file, parsed but not yet checked against the data.
///
/// Parsed with MoodCore's `JSONValue` (strict RFC 8259, nesting bounded by `NestingLimit`), the one JSON
/// parser in the daemon; the metadata's own JSON values (`input`, `tags`, `heads`) go through it too.
struct SafeTensorsHeader {
    struct Tensor {
        var dtype: String
        var shape: [Int]
        var dataOffsets: [Int]
    }

    var metadata: [String: String] = [:]
    var tensors: [String: Tensor] = [:]

    /// Parses the header bytes; any JSON or schema problem becomes one `badHeader` error naming the
    /// entry (`header entry 'a.shape[1]' has the wrong type`). A name given twice is refused rather
    /// than resolved one way or the other: readers disagree about which one wins.
    static func decode(_ bytes: ArraySlice<UInt8>, path: String) throws(ModelFileError) -> SafeTensorsHeader {
        func fail(_ reason: String) -> ModelFileError {
            ModelFileError(path: path, kind: .badHeader, reason: reason)
        }
        func entry(_ path: String, _ problem: String) -> ModelFileError {
            fail("header entry '\(path)' \(problem)")
        }
        guard let json = try? JSONValue.parse(bytes), case .object(let members) = json else {
            throw fail("header is not a JSON object of safetensors entries")
        }
        var header = SafeTensorsHeader()
        var seen = Set<String>()
        for member in members {
            let name = member.key
            guard seen.insert(name).inserted else { throw entry(name, "appears twice") }
            if name == "__metadata__" {
                guard case .object(let pairs) = member.value else { throw entry(name, kindOfProblem(member.value)) }
                for pair in pairs {
                    guard case .string(let value) = pair.value else { throw entry("\(name).\(pair.key)", kindOfProblem(pair.value)) }
                    guard header.metadata.updateValue(value, forKey: pair.key) == nil else {
                        throw entry("\(name).\(pair.key)", "appears twice")
                    }
                }
                continue
            }
            guard case .object = member.value else { throw entry(name, kindOfProblem(member.value)) }
            func field(_ key: String) throws(ModelFileError) -> JSONValue {
                guard let value = member.value[key] else { throw entry(name, "has no '\(key)'") }
                if value.isNull { throw entry("\(name).\(key)", "is null") }
                return value
            }
            func integers(_ key: String) throws(ModelFileError) -> [Int] {
                guard case .array(let items) = try field(key) else { throw entry("\(name).\(key)", "has the wrong type") }
                var values: [Int] = []
                for (i, item) in items.enumerated() {
                    guard case .number(let d) = item else { throw entry("\(name).\(key)[\(i)]", kindOfProblem(item)) }
                    guard let n = wholeNumber(d) else { throw entry("\(name).\(key)[\(i)]", "has an unusable value") }
                    values.append(n)
                }
                return values
            }
            guard case .string(let dtype) = try field("dtype") else { throw entry("\(name).dtype", "has the wrong type") }
            header.tensors[name] = Tensor(dtype: dtype, shape: try integers("shape"), dataOffsets: try integers("data_offsets"))
        }
        return header
    }

    /// `is null` or `has the wrong type`.
    private static func kindOfProblem(_ value: JSONValue) -> String {
        value.isNull ? "is null" : "has the wrong type"
    }

    /// `d` as an `Int` when it is a whole number; one past `Int`'s range saturates (so an offset of
    /// 2^64 is reported as running past the data, like any other offset that does). `JSONValue` holds
    /// numbers as `Double`, so integers above 2^53 may be off by a few units: every such value is
    /// beyond the 1 GiB a model file may have, and is refused the same way.
    private static func wholeNumber(_ d: Double) -> Int? {
        guard d == d.rounded() else { return nil }
        if d >= 0x1p63 { return .max }
        if d < -0x1p63 { return .min }
        return Int(d)
    }
}
