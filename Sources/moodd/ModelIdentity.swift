import MoodSystem
import SystemPackage

/// Which model classified a library's files: the file's name and a 64-bit FNV-1a hash of its bytes
/// (`moodd-4q@9f3c...`), so that a retrained model of the same name rescans the library.
enum ModelIdentity {
    static func of(path: String) throws -> String {
        let fd = try FileDescriptor.open(FilePath(path), .readOnly)
        defer { try? fd.close() }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try fd.read(into: $0) }
            if n == 0 { break }
            for byte in buffer[..<n] {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
        }
        let name = String(path.split(separator: "/").last ?? Substring(path))
        let stem = name.hasSuffix(".safetensors") ? String(name.dropLast(".safetensors".count)) : name
        let hex = String(hash, radix: 16)
        return stem + "@" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
