/// The version printed by `moodd --version` and `moodctl --version`, and sent in the socket's `hello`.
public enum MooddVersion {
    public static let string = "0.1.0"
}
