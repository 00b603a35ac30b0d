#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON header of a safetensors file, decoded but not yet checked against the data.
struct SafeTensorsHeader: Decodable {
    struct Tensor: Decodable {
        var dtype: String
        var shape: [Int]
        var dataOffsets: [Int]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    var metadata: [String: String] = [:]
    var tensors: [String: Tensor] = [:]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                tensors[key.stringValue] = try container.decode(Tensor.self, forKey: key)
            }
        }
    }

    /// Decodes the header bytes; any JSON or schema problem becomes one `badHeader` error.
    static func decode(_ bytes: ArraySlice<UInt8>, path: String) throws(ModelFileError) -> SafeTensorsHeader {
        func fail(_ reason: String) -> ModelFileError {
            ModelFileError(path: path, kind: .badHeader, reason: reason)
        }
        do {
            return try JSONDecoder().decode(SafeTensorsHeader.self, from: Data(bytes))
        } catch let DecodingError.keyNotFound(key, context) {
            throw fail("header entry \(where_(context.codingPath)) has no '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) where !context.codingPath.isEmpty {
            throw fail("header entry \(where_(context.codingPath)) has the wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw fail("header entry \(where_(context.codingPath)) is null")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw fail("header entry \(where_(context.codingPath)) has an unusable value")
        } catch {
            throw fail("header is not a JSON object of safetensors entries")
        }
    }

    /// `'name.field'` for a coding path, quoted for the error line.
    private static func where_(_ path: [any CodingKey]) -> String {
        "'" + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") + "'"
    }
}
