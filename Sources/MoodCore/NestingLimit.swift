/// How deep the parsers of untrusted text (client commands as JSON, the configuration as TOML) let
/// arrays and objects nest.
///
/// Both parsers are recursive descent, one stack frame chain per level, and a nested value is freed
/// recursively too; without a bound, a 60,000-deep `[[[[...` in either one overflows the 8 MiB stack
/// and the process dies of SIGSEGV with no message. Nothing moodd reads legitimately nests more than
/// two levels, so the bound is small and the same for both.
public enum NestingLimit {
    /// The most levels of arrays and objects a value may have; one more is an error.
    public static let maxDepth = 32

    /// The error text both parsers give when `maxDepth` is crossed.
    public static var message: String { "nesting deeper than \(maxDepth)" }
}
