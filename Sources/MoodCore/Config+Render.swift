/// Writing a configuration back as TOML (`moodd check-config`, and the shipped `config/moodd.conf`).
extension Config {
    /// Every key with its value, grouped by table in a fixed order; `Config.parse` of the result gives
    /// back an equal `Config` with no warnings. With `comments`, each key gets its one-line description
    /// and, where it differs, the default.
    public func render(comments: Bool = false) -> String {
        var out = ""
        if comments {
            out += """
                # moodd configuration (TOML). Every key is optional; the values below are the defaults.
                # Flags given to moodd override this file; `moodd check-config` prints the result.

                """
        }
        var table: Substring? = nil
        let defaults = Config()
        for setting in Config.settings {
            if setting.table != table {
                if table != nil || comments { out += "\n" }
                out += "[\(setting.table)]\n"
                table = setting.table
            }
            let value = setting.value(self)
            if comments {
                out += "# \(setting.comment)"
                let standard = setting.value(defaults)
                if standard != value { out += " (default \(standard.literal))" }
                out += "\n"
            }
            out += "\(setting.name) = \(value.literal)\n"
        }
        return out
    }
}
