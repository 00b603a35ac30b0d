import Foundation

/// Locates the committed fixtures under `Tests/Fixtures/` (made by the `make_*.py` scripts there).
///
/// Tests run from the source tree, so the path is found relative to this file rather than shipped
/// as a bundle resource.
public enum Fixtures {
    /// `Tests/Fixtures/` of this checkout, with a trailing slash.
    public static let directory: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // MoodTestKit/Fixtures.swift, Sources
        return parts.joined(separator: "/") + "/Tests/Fixtures/"
    }()

    /// The absolute path of a fixture, e.g. `path("mel/sine440_16000.npy")`.
    public static func path(_ relative: String) -> String { directory + relative }

    /// Reads a fixture `.npy`; fails the calling test via the thrown error if it is missing or bad.
    public static func npy(_ relative: String) throws -> NPY.Array {
        guard let data = FileManager.default.contents(atPath: path(relative)) else {
            throw MissingFixture(path: path(relative))
        }
        return try NPY.decode([UInt8](data))
    }

    public struct MissingFixture: Error, CustomStringConvertible {
        public var path: String
        public var description: String { "\(path): fixture missing; run Tests/Fixtures/make_*.py" }
    }
}
