/// What a multipart part's `Content-Disposition` header says (RFC 7578): the form field's `name` and,
/// for a file, its `filename`. Quoted values may hold `;` and escaped quotes; unquoted ones are tokens.
public struct FormPart: Equatable, Sendable {
    public var name: String?
    public var filename: String?

    public init(name: String? = nil, filename: String? = nil) {
        self.name = name
        self.filename = filename
    }

    /// `form-data; name="file"; filename="song.mp3"` → name `file`, filename `song.mp3`. Nil when the
    /// header is not `form-data`.
    public init?(contentDisposition header: String) {
        var scanner = Substring(header)
        guard let kind = Self.token(&scanner), kind.lowercased() == "form-data" else { return nil }
        while let semicolon = scanner.firstIndex(of: ";") {
            scanner = scanner[scanner.index(after: semicolon)...].drop(while: { $0 == " " || $0 == "\t" })
            guard let key = Self.token(&scanner, stop: "=") else { break }
            guard scanner.first == "=" else { continue }
            scanner = scanner.dropFirst()
            let value = scanner.first == "\"" ? Self.quoted(&scanner) : (Self.token(&scanner) ?? "")
            switch key.lowercased() {
            case "name": name = value
            case "filename": filename = value
            default: break
            }
        }
    }

    /// The file's name as shown back to the user: the last path component (browsers send a bare name;
    /// some tools send a path), never empty.
    public var displayName: String {
        let last = (filename ?? "").split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        return last.isEmpty ? "upload" : last
    }

    /// The extension of `displayName` (with its dot, lower case, at most 8 characters of letters and
    /// digits), so the decoder sees what kind of file it is; "" when there is none.
    public var fileExtension: String {
        let name = displayName
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        let ext = name[name.index(after: dot)...].lowercased()
        guard !ext.isEmpty, ext.count <= 8, ext.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return "" }
        return "." + ext
    }

    private static func token(_ scanner: inout Substring, stop: Character = ";") -> String? {
        let end = scanner.firstIndex(where: { $0 == stop || $0 == ";" }) ?? scanner.endIndex
        let token = scanner[..<end].trimmingCharacters(in: " \t")
        scanner = scanner[end...]
        return token.isEmpty ? nil : token
    }

    private static func quoted(_ scanner: inout Substring) -> String {
        var value = ""
        var index = scanner.index(after: scanner.startIndex)
        while index < scanner.endIndex {
            let c = scanner[index]
            if c == "\"" { index = scanner.index(after: index); break }
            if c == "\\", scanner.index(after: index) < scanner.endIndex {
                index = scanner.index(after: index)
                value.append(scanner[index])
            } else {
                value.append(c)
            }
            index = scanner.index(after: index)
        }
        scanner = scanner[index...]
        return value
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        String(drop(while: { set.contains($0) }).reversed().drop(while: { set.contains($0) }).reversed())
    }
}
