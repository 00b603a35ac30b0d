/// Reading and writing NumPy `.npy` files (format version 1.0 and 2.0), the exchange format between
/// moodd and the Python tools: the reference fixtures, what `moodd features` and `moodd embed` write
/// (through their own streaming writer, `NPYFileWriter`), `moodd-bench cnn`'s patches and embeddings.
///
/// Only C-order arrays of little-endian `float32`, `float64` and `int16` are supported; that is all
/// the tests and tools read. The daemon reads no `.npy`, so this lives with the tools, not in MoodCore.
/// Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
public enum NPY {
    /// An array read from a `.npy` file, converted to `Float`.
    public struct Array: Sendable, Equatable {
        public var shape: [Int]
        public var values: [Float]  // row-major, `shape.reduce(1, *)` elements

        public init(shape: [Int], values: [Float]) {
            self.shape = shape
            self.values = values
        }
    }

    public struct FormatError: Error, CustomStringConvertible, Equatable {
        public var reason: String
        public init(reason: String) { self.reason = reason }
        public var description: String { "not a usable .npy file: \(reason)" }
    }

    private static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// Encodes `values` (row-major, shape `shape`) as a float32 `.npy` file, version 1.0.
    public static func encode(float32 values: [Float], shape: [Int]) -> [UInt8] {
        precondition(shape.reduce(1, *) == values.count, "shape does not match the value count")
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        // magic(6) + version(2) + length(2) + header + '\n' is padded to a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = magic + [1, 0]
        let length = UInt16(header.utf8.count)
        out += [UInt8(length & 0xFF), UInt8(length >> 8)]
        out += Swift.Array(header.utf8)
        out.reserveCapacity(out.count + values.count * 4)
        for v in values {
            let bits = v.bitPattern
            out += [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)]
        }
        return out
    }

    /// Decodes a `.npy` file's bytes.
    public static func decode(_ bytes: [UInt8]) throws(FormatError) -> Array {
        guard bytes.count >= 10, Swift.Array(bytes[0..<6]) == magic else {
            throw FormatError(reason: "missing the NUMPY magic")
        }
        let major = bytes[6]
        let headerStart: Int
        let headerLength: Int
        switch major {
        case 1:
            headerStart = 10
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        case 2, 3:
            guard bytes.count >= 12 else { throw FormatError(reason: "truncated header") }
            headerStart = 12
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        default:
            throw FormatError(reason: "unsupported format version \(major)")
        }
        guard headerLength <= bytes.count - headerStart else { throw FormatError(reason: "truncated header") }
        let header = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
        let descr = try field("descr", in: header)
        guard try field("fortran_order", in: header) == "False" else {
            throw FormatError(reason: "Fortran-ordered arrays are not supported")
        }
        let shape = try parseShape(try field("shape", in: header))
        let count = shape.reduce(1, *)
        let width: Int
        switch descr {
        case "'<f4'": width = 4
        case "'<f8'": width = 8
        case "'<i2'": width = 2
        default: throw FormatError(reason: "unsupported dtype \(descr)")
        }
        let dataStart = headerStart + headerLength
        guard count <= (bytes.count - dataStart) / width else {
            throw FormatError(reason: "data is shorter than the shape \(shape) says")
        }
        var values = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                let at = dataStart + i * width
                switch width {
                case 4: values[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian)
                case 8: values[i] = Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian))
                default: values[i] = Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int16.self)))
                }
            }
        }
        return Array(shape: shape, values: values)
    }

    /// The text after `'key':` in a header dictionary, up to the next top-level comma or brace.
    private static func field(_ key: String, in header: String) throws(FormatError) -> String {
        guard let keyRange = header.firstRange(of: "'\(key)':") else {
            throw FormatError(reason: "header has no '\(key)'")
        }
        var depth = 0
        var value = ""
        for ch in header[keyRange.upperBound...] {
            if ch == "(" { depth += 1 }
            if ch == ")" { depth -= 1 }
            if depth == 0 && (ch == "," || ch == "}") { break }
            value.append(ch)
            if depth < 0 { break }
        }
        return trimmed(value)
    }

    private static func trimmed(_ text: some StringProtocol) -> String {
        String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    private static func parseShape(_ text: String) throws(FormatError) -> [Int] {
        guard text.hasPrefix("("), text.hasSuffix(")") else { throw FormatError(reason: "bad shape \(text)") }
        var dims: [Int] = []
        for part in text.dropFirst().dropLast().split(separator: ",") {
            let t = trimmed(part)
            guard !t.isEmpty else { continue }
            guard let d = Int(t), d >= 0 else { throw FormatError(reason: "bad shape \(text)") }
            dims.append(d)
        }
        guard dims.reduce(1, { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }) < Int.max
        else { throw FormatError(reason: "shape \(text) is too large") }
        return dims
    }
}
