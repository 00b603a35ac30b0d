/// A property a fuzz case broke; thrown from a `FuzzLoop` body, its message becomes the failure's text
/// (after the case's replay line).
public struct FuzzFailure: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
