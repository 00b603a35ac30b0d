/// Reading a configuration: the file, then command-line overrides on top.
extension Config {
    /// Parses a configuration file's text; `file` names it in messages (`moodd.conf:12: ...`).
    ///
    /// All value errors are collected and thrown together, in file order, so `moodd check-config`
    /// shows every problem at once; a TOML syntax error stops at the first. Unknown keys and tables are
    /// warnings (with a suggestion when a known key is a typo away), so a config written for a later
    /// moodd still loads.
    public static func parse(_ text: String, file: String) throws(Errors) -> Loaded {
        let document: TOMLDocument
        do {
            document = try TOMLDocument.parse(text)
        } catch {
            throw Errors(diagnostics: [Diagnostic(origin: file, line: error.line, key: nil, message: error.message)])
        }
        var config = Config()
        var errors: [Diagnostic] = []
        var warnings: [Diagnostic] = []
        let known = settings
        for entry in document.entries {
            guard let setting = known.first(where: { $0.key == entry.key }) else {
                warnings.append(Diagnostic(origin: file, line: entry.line, key: entry.key, message: unknownKey(entry.key, known)))
                continue
            }
            if let message = setting.apply(&config, entry.value) {
                errors.append(Diagnostic(origin: file, line: entry.line, key: entry.key, message: message))
            }
        }
        for table in document.tables where !known.contains(where: { $0.table == table.name }) {
            // Its keys are warned about one by one; an empty unknown table would otherwise pass silently.
            if !document.entries.contains(where: { $0.key.hasPrefix(table.name + ".") }) {
                warnings.append(Diagnostic(origin: file, line: table.line, key: nil, message: "unknown table [\(table.name)] (ignored)"))
            }
        }
        guard errors.isEmpty else { throw Errors(diagnostics: errors) }
        let lines = Dictionary(document.entries.map { ($0.key, $0.line) }, uniquingKeysWith: { first, _ in first })
        return Loaded(config: config, warnings: warnings, lines: lines)
    }

    /// This configuration with command-line overrides applied, keyed by full dotted key
    /// (`["smoothing.dwell": "5", "socket.path": "/tmp/m.sock"]`).
    ///
    /// String keys take the text verbatim; other keys read it as a TOML value (`5`, `1.5`, `true`).
    /// Unlike in a file, an unknown key is an error: a mistyped flag should not be ignored.
    public func applying(overrides: [String: String]) throws(Errors) -> Config {
        var config = self
        var errors: [Diagnostic] = []
        let known = Config.settings
        for (key, text) in overrides.sorted(by: { $0.key < $1.key }) {
            guard let setting = known.first(where: { $0.key == key }) else {
                errors.append(Diagnostic(origin: "command line", line: nil, key: key, message: Config.unknownKey(key, known, ignored: false)))
                continue
            }
            let value = setting.isText ? .string(text) : (TOMLDocument.parseValue(text) ?? .string(text))
            if let message = setting.apply(&config, value) {
                errors.append(Diagnostic(origin: "command line", line: nil, key: key, message: message))
            }
        }
        guard errors.isEmpty else { throw Errors(diagnostics: errors) }
        return config
    }

    /// All keys, for `moodd --help` and tests.
    public static var keys: [String] { settings.map(\.key) }

    static func unknownKey(_ key: String, _ known: [Setting], ignored: Bool = true) -> String {
        var message = "unknown key"
        let closest = known.map { ($0.key, editDistance($0.key, key)) }.min { $0.1 < $1.1 }
        if let closest, closest.1 <= 2 || closest.0.hasSuffix("." + key) {
            message += "; did you mean '\(closest.0)'?"
        } else if let suffixed = known.first(where: { $0.key.hasSuffix("." + key) }) {
            message += "; did you mean '\(suffixed.key)'?"
        }
        return ignored ? message + " (ignored)" : message
    }

    /// Levenshtein distance over Unicode scalars.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var diagonal = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let above = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1))
                diagonal = above
            }
        }
        return row[b.count]
    }
}
