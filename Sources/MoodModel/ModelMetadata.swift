import MoodCore

/// The `__metadata__` of a moodd model file (docs/model-format.md), checked and typed.
public struct ModelMetadata: Sendable, Equatable {
    public static let format = "moodd-model"
    public static let formatVersion = "1"

    public var architecture: String
    public var architectureVersion: String
    public var bnEpsilon: Float
    public var input: ModelInput
    public var tags: [String]         // output order
    public var headNames: [String]    // the `name` of every object in the `heads` array
    public var all: [String: String]  // every key, including `backbone`, `source`, `license`

    /// Checks the keys every moodd model file has (validation rules 2-6 of docs/model-format.md, except
    /// what depends on the architecture; `input` must be one the front end computes); `path` only names
    /// the file in errors.
    public init(_ metadata: [String: String], path: String) throws(ModelFileError) {
        func fail(_ reason: String) -> ModelFileError {
            ModelFileError(path: path, kind: .badMetadata, reason: reason)
        }
        func value(_ key: String) throws(ModelFileError) -> String {
            guard let v = metadata[key] else { throw fail("metadata has no '\(key)'") }
            return v
        }
        let format = try value("format")
        guard format == Self.format else { throw fail("format is '\(format)', expected '\(Self.format)'") }
        let version = try value("format_version")
        guard version == Self.formatVersion else {
            throw fail("format_version is '\(version)', this build reads '\(Self.formatVersion)'")
        }
        architecture = try value("architecture")
        architectureVersion = try value("architecture_version")
        let epsilon = try value("bn_epsilon")
        guard let eps = Float(epsilon), eps.isFinite, eps > 0 else {
            throw fail("bn_epsilon '\(epsilon)' is not a positive number")
        }
        bnEpsilon = eps
        guard let decoded = (try? JSONValue.parse(try value("input"))).flatMap(ModelInput.init(json:)) else {
            throw fail("input is not a JSON object with the keys of docs/model-format.md")
        }
        let problems = decoded.frontEndProblems
        guard problems.isEmpty else {
            throw fail("input is not what the front end computes: " + problems.joined(separator: ", "))
        }
        input = decoded
        guard let names = Self.strings(try value("tags")) else {
            throw fail("tags is not a JSON array of strings")
        }
        tags = names
        guard let heads = (try? JSONValue.parse(try value("heads")))?.arrayValue,
              let names = Self.allOrNone(heads.map { $0["name"]?.stringValue })
        else {
            throw fail("heads is not a JSON array of objects with a 'name'")
        }
        headNames = names
        all = metadata
    }

    /// The strings of a JSON array of strings (`tags`, `frontend_concat`); nil for any other text.
    static func strings(_ text: String) -> [String]? {
        guard let items = (try? JSONValue.parse(text))?.arrayValue else { return nil }
        return allOrNone(items.map(\.stringValue))
    }

    private static func allOrNone<T>(_ values: [T?]) -> [T]? {
        let present = values.compactMap { $0 }
        return present.count == values.count ? present : nil
    }
}
