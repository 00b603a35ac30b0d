import MoodTestKit

/// The header fields of the containers moodd decodes, for `ByteMutator` to aim at: where a parser
/// reads a length, a count, a rate or a channel number. Found by walking the structure as far as the
/// file's own sizes allow, so a damaged or unknown file just yields fewer fields.
///
/// Also fixes Ogg page checksums after a mutation: libogg drops a page whose CRC is wrong, so
/// without this almost every Ogg mutation would only test "page missing". FLAC frames carry CRCs
/// too (libFLAC loses sync on them); those are not fixed, so FLAC frame headers are rarely reached.
enum AudioHeaderFields {
    typealias Field = ByteMutator.Field

    static func fields(in b: [UInt8]) -> [Field] {
        if b.starts(with: Array("RIFF".utf8)) { return riff(b) }
        if b.starts(with: Array("fLaC".utf8)) { return flac(b) }
        if b.starts(with: Array("OggS".utf8)) { return ogg(b) }
        return mpeg(b)
    }

    /// RIFF size, then each chunk's size; `fmt `'s format tag, channels, rate, byte rate, block
    /// align, bits per sample and extension size.
    static func riff(_ b: [UInt8]) -> [Field] {
        var fields = [Field(offset: 4, width: 4)]
        var p = 12
        while p + 8 <= b.count, fields.count < 64 {
            fields.append(Field(offset: p + 4, width: 4))
            if b[p..<(p + 4)].elementsEqual("fmt ".utf8) {
                fields += [(8, 2), (10, 2), (12, 4), (16, 4), (20, 2), (22, 2), (24, 2), (26, 2), (28, 4)]
                    .filter { p + $0.0 + $0.1 <= b.count }.map { Field(offset: p + $0.0, width: $0.1) }
            }
            p += 8 + Int(u32le(b, p + 4)) + Int(u32le(b, p + 4) & 1)
        }
        return fields
    }

    /// Each metadata block's 24-bit length; STREAMINFO's block sizes, frame sizes and the packed
    /// rate / channels / bits / total-samples word.
    static func flac(_ b: [UInt8]) -> [Field] {
        var fields: [Field] = []
        var p = 4
        while p + 4 <= b.count, fields.count < 64 {
            fields.append(Field(offset: p + 1, width: 3, bigEndian: true))
            if b[p] & 0x7F == 0, p + 4 + 18 <= b.count {  // STREAMINFO
                fields += [(4, 2), (6, 2), (8, 3), (11, 3), (14, 8), (14, 4), (18, 4)]
                    .map { Field(offset: p + $0.0, width: $0.1, bigEndian: true) }
            }
            let last = b[p] & 0x80 != 0
            p += 4 + (Int(b[p + 1]) << 16 | Int(b[p + 2]) << 8 | Int(b[p + 3]))
            if last { break }
        }
        return fields
    }

    /// Every page's granule position, serial, sequence number and segment count; the identification
    /// headers' channels, rate and (Opus) pre-skip.
    static func ogg(_ b: [UInt8]) -> [Field] {
        var fields: [Field] = []
        for p in pages(b).prefix(16) {
            fields += [Field(offset: p + 6, width: 8), Field(offset: p + 14, width: 4), Field(offset: p + 18, width: 4),
                       Field(offset: p + 26, width: 1)]
        }
        if let v = find(Array("\u{1}vorbis".utf8), in: b) {
            fields += [Field(offset: v + 11, width: 1), Field(offset: v + 12, width: 4), Field(offset: v + 16, width: 4),
                       Field(offset: v + 28, width: 1)].filter { $0.offset + $0.width <= b.count }
        }
        if let o = find(Array("OpusHead".utf8), in: b) {
            fields += [Field(offset: o + 9, width: 1), Field(offset: o + 10, width: 2), Field(offset: o + 12, width: 4),
                       Field(offset: o + 16, width: 2), Field(offset: o + 18, width: 1)].filter { $0.offset + $0.width <= b.count }
        }
        return fields
    }

    /// ID3v2's size, the first frame headers, and a Xing/Info tag's flags, frame and byte counts.
    static func mpeg(_ b: [UInt8]) -> [Field] {
        var fields: [Field] = []
        var start = 0
        if b.starts(with: Array("ID3".utf8)), b.count >= 10 {
            fields.append(Field(offset: 6, width: 4, bigEndian: true))
            start = 10 + (Int(b[6]) << 21 | Int(b[7]) << 14 | Int(b[8]) << 7 | Int(b[9]))
        }
        var p = start
        while p + 4 <= min(b.count, start + 4096), fields.count < 8 {
            if b[p] == 0xFF, b[p + 1] & 0xE0 == 0xE0 { fields.append(Field(offset: p, width: 4, bigEndian: true)) }
            p += 1
        }
        for tag in ["Xing", "Info"] {
            if let x = find(Array(tag.utf8), in: b), x + 16 <= b.count {
                fields += [4, 8, 12].map { Field(offset: x + $0, width: 4, bigEndian: true) }
            }
        }
        return fields
    }

    /// Rewrites the CRC of every whole Ogg page (CRC-32, polynomial 0x04C11DB7, not reflected,
    /// computed with the CRC field zeroed).
    static func fixOggChecksums(_ b: inout [UInt8]) {
        for p in pages(b) {
            let segments = Int(b[p + 26])
            guard p + 27 + segments <= b.count else { break }
            let end = p + 27 + segments + b[(p + 27)..<(p + 27 + segments)].reduce(0) { $0 + Int($1) }
            guard end <= b.count else { break }
            for i in 22..<26 { b[p + i] = 0 }
            var crc: UInt32 = 0
            for byte in b[p..<end] { crc = (crc << 8) ^ crcTable[Int((crc >> 24) ^ UInt32(byte))] }
            for i in 0..<4 { b[p + 22 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        }
    }

    /// Offsets of "OggS" capture patterns with a whole 27-byte page header after them.
    static func pages(_ b: [UInt8]) -> [Int] {
        var found: [Int] = []
        var p = 0
        while p + 27 <= b.count {
            if b[p] == 0x4F, b[p + 1] == 0x67, b[p + 2] == 0x67, b[p + 3] == 0x53 { found.append(p); p += 27 } else { p += 1 }
        }
        return found
    }

    static let crcTable: [UInt32] = (0..<256).map { i in
        (0..<8).reduce(UInt32(i) << 24) { r, _ in r & 0x8000_0000 != 0 ? (r << 1) ^ 0x04C1_1DB7 : r << 1 }
    }

    static func find(_ needle: [UInt8], in b: [UInt8]) -> Int? {
        guard b.count >= needle.count else { return nil }
        return (0...(b.count - needle.count)).first { b[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    static func u32le(_ b: [UInt8], _ p: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[p + $1]) << (8 * UInt32($1)) }
    }
}
