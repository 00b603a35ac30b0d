import Foundation

/// Writes mono float32 WAV files for tests that need audio of a given content (moodd reads them back
/// through libsndfile like any user file).
public enum WAVWriter {
    public static func write(_ samples: [Float], sampleRate: Int, to path: String) throws {
        var data = Data()
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { data.append(contentsOf: $0) } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { data.append(contentsOf: $0) } }
        let bytes = samples.count * 4
        data.append(contentsOf: Array("RIFF".utf8)); u32(36 + bytes)
        data.append(contentsOf: Array("WAVEfmt ".utf8)); u32(16)
        u16(3); u16(1); u32(sampleRate); u32(sampleRate * 4); u16(4); u16(32)  // IEEE float, mono
        data.append(contentsOf: Array("data".utf8)); u32(bytes)
        samples.withUnsafeBufferPointer { data.append(Data(buffer: $0)) }
        try data.write(to: URL(fileURLWithPath: path))
    }
}
