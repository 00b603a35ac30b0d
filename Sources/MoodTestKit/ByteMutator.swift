/// Seeded byte-level mutations for fuzz tests, after the "havoc" stage of AFL and libFuzzer's
/// mutators: bit flips, interesting values, inserted / deleted / duplicated runs, truncation and
/// splices with other inputs, stacked 1...`maxSteps` deep.
///
/// Structure-aware only as far as the caller's `fields` go: value overwrites and arithmetic aim at
/// those (a format's length, count and rate fields) and write the values most likely to break size
/// arithmetic (0, all ones, 0x7FFFFFFF, the sign bit, the file's own length). It knows no checksum
/// (a caller that wants past one fixes it after, as the Ogg page CRC in the decoder fuzz tests) and
/// no grammar. Half of all positions fall in the first `headerBytes`, where parsers decide sizes.
///
/// Deterministic: the same seed and input give the same output and the same `log`.
public struct ByteMutator {
    /// A header field: `width` bytes (1, 2, 3, 4 or 8) at `offset`, in either byte order.
    public struct Field: Sendable, Equatable {
        public var offset: Int
        public var width: Int
        public var bigEndian: Bool
        public init(offset: Int, width: Int, bigEndian: Bool = false) {
            precondition([1, 2, 3, 4, 8].contains(width), "field width \(width)")
            self.offset = offset
            self.width = width
            self.bigEndian = bigEndian
        }
    }

    public var rng: SeededRandom
    /// No step grows an input beyond this many bytes.
    public var maxLength: Int
    public var headerBytes: Int
    /// What the steps since `init` did, one short phrase each ("u32le @40 = 0x7fffffff").
    public private(set) var log: [String] = []

    public init(seed: UInt64, maxLength: Int = 1 << 20, headerBytes: Int = 256) {
        rng = SeededRandom(seed: seed)
        self.maxLength = maxLength
        self.headerBytes = headerBytes
    }

    /// Applies 1...`maxSteps` mutations to `bytes`. `donors` are other inputs to splice from.
    public mutating func mutate(_ bytes: inout [UInt8], fields: [Field] = [], donors: [[UInt8]] = [], maxSteps: Int = 4) {
        for _ in 0..<Int.random(in: 1...max(1, maxSteps), using: &rng) {
            step(&bytes, fields: fields, donors: donors)
        }
    }

    /// Values at the edges of signed and unsigned arithmetic, for a field of `width` bytes.
    public static func interesting(width: Int) -> [UInt64] {
        let top = width == 8 ? UInt64.max : (UInt64(1) << (8 * UInt64(width))) - 1
        let half = top >> 1
        return [0, 1, 2, 3, 4, 7, 8, 16, 255, 256, 0x7FFF, 0x8000, 0xFFFF, 0x1_0000, 0x7FFF_F000, 0x7FFF_FFFF,
                0x8000_0000, 0xFFFF_FFFF, top, half, half + 1, top - 1].map { $0 & top }
    }

    private mutating func step(_ bytes: inout [UInt8], fields: [Field], donors: [[UInt8]]) {
        let room = maxLength - bytes.count
        switch Int.random(in: 0..<100, using: &rng) {
        case 0..<15 where !bytes.isEmpty:
            var at: [Int] = []
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let p = position(bytes.count)
                bytes[p] ^= 1 << UInt8.random(in: 0...7, using: &rng)
                at.append(p)
            }
            log.append("flip bits @\(at)")
        case 15..<25 where !bytes.isEmpty:
            let p = position(bytes.count)
            let v = [0, 1, 0x7F, 0x80, 0xFF, UInt8.random(in: 0...255, using: &rng)].randomElement(using: &rng)!
            bytes[p] = v
            log.append("byte @\(p) = \(v)")
        case 25..<55 where !bytes.isEmpty:
            var field = fields.randomElement(using: &rng)
                ?? Field(offset: position(bytes.count), width: [2, 4, 8].randomElement(using: &rng)!, bigEndian: Bool.random(using: &rng))
            if Int.random(in: 0..<8, using: &rng) == 0 { field.bigEndian.toggle() }
            guard field.offset + field.width <= bytes.count else { return truncateOrGrow(&bytes, room: room) }
            let old = read(field, in: bytes)
            let top = field.width == 8 ? UInt64.max : (UInt64(1) << (8 * UInt64(field.width))) - 1
            let new: UInt64
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: new = old &+ UInt64.random(in: 1...16, using: &rng)
            case 1: new = old &- UInt64.random(in: 1...16, using: &rng)
            case 2: new = UInt64(bytes.count) &+ UInt64.random(in: 0...8, using: &rng) &- 4
            default: new = Self.interesting(width: field.width).randomElement(using: &rng)!
            }
            write(new & top, to: field, in: &bytes)
            log.append("u\(8 * field.width)\(field.bigEndian ? "be" : "le") @\(field.offset) = 0x\(String(new & top, radix: 16))")
        case 55..<67 where room > 0:
            let p = Int.random(in: 0...bytes.count, using: &rng)
            let n = Int.random(in: 1...min(room, Bool.random(using: &rng) ? 16 : 4096), using: &rng)
            let run: [UInt8]
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: run = [UInt8](repeating: [0, 0xFF, UInt8.random(in: 0...255, using: &rng)].randomElement(using: &rng)!, count: n)
            case 1 where !bytes.isEmpty:
                let from = Int.random(in: 0..<bytes.count, using: &rng)
                run = Array(bytes[from..<min(bytes.count, from + n)])
            default: run = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            bytes.insert(contentsOf: run, at: p)
            log.append("insert \(run.count) @\(p)")
        case 67..<79 where !bytes.isEmpty:
            let p = position(bytes.count)
            let n = Int.random(in: 1...min(bytes.count - p, Bool.random(using: &rng) ? 16 : 4096), using: &rng)
            bytes.removeSubrange(p..<(p + n))
            log.append("delete \(n) @\(p)")
        case 79..<89 where !donors.isEmpty:
            let donor = donors.randomElement(using: &rng)!
            guard !donor.isEmpty else { return }
            let cut = Int.random(in: 0...bytes.count, using: &rng)
            let from = Int.random(in: 0..<donor.count, using: &rng)
            let tail = donor[from..<min(donor.count, from + max(0, maxLength - cut))]
            bytes = Array(bytes[0..<cut]) + tail
            log.append("splice @\(cut) with a donor's bytes from \(from)")
        default:
            truncateOrGrow(&bytes, room: room)
        }
    }

    /// Truncation, the most common damage of all (a cut download), usually inside the header.
    private mutating func truncateOrGrow(_ bytes: inout [UInt8], room: Int) {
        guard !bytes.isEmpty else {
            bytes = (0..<Int.random(in: 1...min(max(room, 1), 64), using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            log.append("random \(bytes.count) bytes")
            return
        }
        let length = position(bytes.count)
        bytes.removeSubrange(length...)
        log.append("truncate to \(length)")
    }

    /// A position in `0..<count`: half the time within the header.
    private mutating func position(_ count: Int) -> Int {
        Bool.random(using: &rng) ? Int.random(in: 0..<min(count, headerBytes), using: &rng) : Int.random(in: 0..<count, using: &rng)
    }

    private func read(_ field: Field, in bytes: [UInt8]) -> UInt64 {
        (0..<field.width).reduce(UInt64(0)) { value, i in
            let b = UInt64(bytes[field.offset + (field.bigEndian ? i : field.width - 1 - i)])
            return value << 8 | b
        }
    }

    private func write(_ value: UInt64, to field: Field, in bytes: inout [UInt8]) {
        for i in 0..<field.width {
            let shift = UInt64(8 * (field.bigEndian ? field.width - 1 - i : i))
            bytes[field.offset + i] = UInt8(truncatingIfNeeded: value >> shift)
        }
    }
}
