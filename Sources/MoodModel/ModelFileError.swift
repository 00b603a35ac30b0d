/// Why a model file could not be used: one line naming the file and the reason.
///
/// Every problem with a file's bytes (missing, truncated, hostile, or written for another
/// architecture) surfaces as this error, never as a trap.
public struct ModelFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable, Equatable {
        case unreadable         // cannot open or read the file
        case truncated          // shorter than its own header says
        case badHeader          // header length, JSON or an entry's fields are unusable
        case badTensor          // dtype, shape, offsets or values of one tensor
        case badMetadata        // `__metadata__` missing a key or with a value moodd cannot use
        case missingTensor      // a tensor the architecture needs is absent
        case shapeMismatch      // a tensor's shape differs from the architecture's
        case unexpectedTensor   // a tensor the architecture does not know (outside `heads.`)
    }

    public var path: String
    public var kind: Kind
    public var reason: String

    public init(path: String, kind: Kind, reason: String) {
        self.path = path
        self.kind = kind
        self.reason = reason
    }

    /// `path: reason` on one line. Reasons quote what the file holds (tensor names, dtypes, metadata
    /// values), so its control and line-separator characters are written as escapes (`\n`, `\u{1B}`):
    /// a hostile file cannot split the message or drive the terminal.
    public var description: String {
        var line = ""
        for scalar in "\(path): \(reason)".unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator:
                line += scalar == "\n" ? "\\n" : scalar == "\r" ? "\\r" : "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default:
                line.unicodeScalars.append(scalar)
            }
        }
        return line
    }
}
