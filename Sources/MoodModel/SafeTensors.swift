#if canImport(Glibc)
import Glibc
#endif

/// A validated safetensors file held in memory: https://huggingface.co/docs/safetensors
///
/// Layout: an 8-byte little-endian header length `N`, `N` bytes of JSON
/// (`{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {string: string}}`),
/// then the data; offsets count from the first byte after the header.
///
/// `init` checks everything before any tensor is read: the header fits the file, the JSON is
/// well formed (and, as moodd's files are, padded to a multiple of 8 bytes), every tensor is `F32` with a shape whose size matches its byte range, and the
/// ranges tile the data region exactly (in bounds, no overlap, no gap, nothing after). After
/// that, `floats(_:)` cannot read out of bounds.
public struct SafeTensors: Sendable {
    /// One tensor's declared shape and byte range within the data region.
    public struct Entry: Sendable, Equatable {
        public var shape: [Int]
        public var byteRange: Range<Int>  // relative to the data region
    }

    /// The header may be padded, but nothing moodd writes comes near this (real headers: ~10 KB).
    static let maxHeaderBytes = 100 << 20
    /// Musicnn is 3 MB; a file this large is not a model moodd wrote.
    static let maxFileBytes = 1 << 30

    public let path: String
    public let metadata: [String: String]
    public let entries: [String: Entry]
    private let bytes: [UInt8]  // the whole file, immutable
    private let dataStart: Int  // 8 + header length

    /// Reads and validates the file at `path` (one `read` of the whole file).
    public init(contentsOfFile path: String) throws(ModelFileError) {
        try self.init(bytes: Self.readFile(path), path: path)
    }

    /// Validates a file's bytes; `path` only names it in errors.
    public init(bytes: [UInt8], path: String) throws(ModelFileError) {
        func fail(_ kind: ModelFileError.Kind, _ reason: String) -> ModelFileError {
            ModelFileError(path: path, kind: kind, reason: reason)
        }
        guard bytes.count >= 8 else {
            throw fail(.truncated, "file is \(bytes.count) bytes, too short for a safetensors header")
        }
        let declared = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
        guard declared <= UInt64(Self.maxHeaderBytes) else {
            throw fail(.badHeader, "header length \(declared) exceeds the \(Self.maxHeaderBytes >> 20) MB limit")
        }
        let headerLength = Int(declared)
        guard headerLength % 8 == 0 else {
            throw fail(.badHeader, "header length \(headerLength) is not a multiple of 8")
        }
        guard headerLength <= bytes.count - 8 else {
            throw fail(.truncated, "header length \(headerLength) runs past the end of the \(bytes.count)-byte file")
        }
        let header = try SafeTensorsHeader.decode(bytes[8..<(8 + headerLength)], path: path)
        let dataLength = bytes.count - 8 - headerLength

        var entries: [String: Entry] = [:]
        for name in header.tensors.keys.sorted() {
            entries[name] = try Self.validate(header.tensors[name]!, name: name, dataLength: dataLength, path: path)
        }
        try Self.checkTiling(entries, dataLength: dataLength, path: path)

        self.path = path
        self.metadata = header.metadata
        self.entries = entries
        self.bytes = bytes
        self.dataStart = 8 + headerLength
    }

    /// The values of tensor `name` (row-major), or nil if the file has no such tensor.
    public func floats(_ name: String) -> [Float]? {
        guard let entry = entries[name] else { return nil }
        let count = entry.byteRange.count / 4
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            bytes.withUnsafeBytes { raw in
                let base = dataStart + entry.byteRange.lowerBound
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: base + 4 * i, as: UInt32.self)
                    out[i] = Float(bitPattern: UInt32(littleEndian: bits))
                }
            }
            initialized = count
        }
    }

    /// Checks one header entry against the data region and returns it as an `Entry`.
    private static func validate(
        _ tensor: SafeTensorsHeader.Tensor, name: String, dataLength: Int, path: String
    ) throws(ModelFileError) -> Entry {
        func fail(_ reason: String) -> ModelFileError {
            ModelFileError(path: path, kind: .badTensor, reason: "tensor '\(name)': \(reason)")
        }
        guard tensor.dtype == "F32" else { throw fail("dtype \(tensor.dtype), only F32 is supported") }
        var count = 1
        for dim in tensor.shape {
            guard dim >= 0 else { throw fail("negative dimension in shape \(tensor.shape)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw fail("shape \(tensor.shape) overflows") }
            count = product
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: 4)
        guard !overflow else { throw fail("shape \(tensor.shape) overflows") }
        guard tensor.dataOffsets.count == 2 else {
            throw fail("data_offsets has \(tensor.dataOffsets.count) values, expected [begin, end]")
        }
        let begin = tensor.dataOffsets[0], end = tensor.dataOffsets[1]
        guard begin >= 0, begin <= end else { throw fail("data_offsets [\(begin), \(end)] are not ordered") }
        guard end <= dataLength else {
            throw ModelFileError(path: path, kind: .truncated, reason:
                "tensor '\(name)': data_offsets [\(begin), \(end)] run past the \(dataLength)-byte data region")
        }
        guard end - begin == byteCount else {
            throw fail("data_offsets span \(end - begin) bytes but shape \(tensor.shape) needs \(byteCount)")
        }
        return Entry(shape: tensor.shape, byteRange: begin..<end)
    }

    /// The byte ranges must cover the data region exactly, as the safetensors format requires.
    private static func checkTiling(
        _ entries: [String: Entry], dataLength: Int, path: String
    ) throws(ModelFileError) {
        let ordered = entries.sorted {
            ($0.value.byteRange.lowerBound, $0.value.byteRange.upperBound, $0.key)
                < ($1.value.byteRange.lowerBound, $1.value.byteRange.upperBound, $1.key)
        }
        var position = 0
        var previous = "the start of the data"
        for (name, entry) in ordered {
            let range = entry.byteRange
            guard range.lowerBound >= position else {
                throw ModelFileError(path: path, kind: .badTensor,
                                     reason: "tensor '\(name)' overlaps \(previous)")
            }
            guard range.lowerBound == position else {
                throw ModelFileError(path: path, kind: .badTensor,
                                     reason: "\(range.lowerBound - position) unused bytes before tensor '\(name)'")
            }
            position = range.upperBound
            previous = "tensor '\(name)'"
        }
        guard position == dataLength else {
            throw ModelFileError(path: path, kind: .badTensor,
                                 reason: "\(dataLength - position) bytes after the last tensor are not part of any tensor")
        }
    }
}
