import Foundation

/// A fresh directory under $TMPDIR for one test, removed with everything in it when the value is
/// released.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init() throws {
        let template = NSTemporaryDirectory() + "moodd-test-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: template])
        }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
