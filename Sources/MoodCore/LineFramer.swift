/// Splits a client's byte stream into lines, with a hard bound on what it buffers.
///
/// Bytes in, actions out: complete lines (without the `\n`, and without a `\r` before it), or one
/// `overflow` per line longer than `maxLineLength`, whose remaining bytes up to the next `\n` are then
/// discarded as they arrive. The buffer never holds more than `maxLineLength + 1` bytes (the
/// `+ 1` is a `\r` that may precede the `\n`) whatever a client sends. Empty and all-whitespace lines are skipped (`nc` users press return).
public struct LineFramer: Sendable {
    public enum Action: Sendable, Equatable {
        case line([UInt8])
        /// A line exceeded `maxLineLength`; it is discarded through its end.
        case overflow
    }

    /// The longest line accepted, in bytes, excluding the terminator.
    public let maxLineLength: Int
    private var buffer: [UInt8] = []
    private var discarding = false

    /// The default bound: a command is a few dozen bytes; 4 KiB leaves room for future arguments.
    public static let defaultMaxLineLength = 4096

    public init(maxLineLength: Int = LineFramer.defaultMaxLineLength) {
        precondition(maxLineLength > 0)
        self.maxLineLength = maxLineLength
    }

    /// Bytes held for an incomplete line.
    public var bufferedCount: Int { buffer.count }

    /// Whether the current line overflowed and is being skipped.
    public var isDiscarding: Bool { discarding }

    public mutating func ingest(_ bytes: some Sequence<UInt8>) -> [Action] {
        var actions: [Action] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if discarding {
                    discarding = false
                } else {
                    emit(into: &actions)
                }
                continue
            }
            if discarding { continue }
            // Full, unless this is a `\r` that may end a CRLF line of exactly the maximum length.
            if buffer.count >= maxLineLength, !(buffer.count == maxLineLength && byte == 0x0D) {
                buffer.removeAll(keepingCapacity: true)
                discarding = true
                actions.append(.overflow)
                continue
            }
            buffer.append(byte)
        }
        return actions
    }

    /// End of input: a final line without a newline is still a line.
    public mutating func finish() -> [Action] {
        var actions: [Action] = []
        if !discarding { emit(into: &actions) }
        discarding = false
        buffer.removeAll()
        return actions
    }

    private mutating func emit(into actions: inout [Action]) {
        if buffer.last == 0x0D { buffer.removeLast() }
        if buffer.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) {
            actions.append(.line(buffer))
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
