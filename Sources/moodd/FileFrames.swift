import MoodAudio
import MoodDSP

/// The offline twin of the daemon's capture and front end: decodes a file (mono, at the model's rate) and
/// streams its log-mel frames in blocks, never holding the whole file.
enum FileFrames {
    /// Calls `body` with successive blocks of frames of `spec` (a model's `input.logMelSpec`; the file is
    /// decoded at its `sampleRate`), `[n x nMels]` row-major (n may be 0), the last block including the centred tail
    /// (`LogMelFrontEnd.finish`). `samples`, when given, sees each decoded block of samples before the
    /// frames made from it. Throws the decoder's one-line errors.
    static func forEachBlock(
        of file: String, spec: LogMelSpec, samples: ((UnsafeBufferPointer<Float>) -> Void)? = nil,
        _ body: (UnsafeBufferPointer<Float>) throws -> Void
    ) throws {
        let decoder = try AudioFileDecoder(path: file, sampleRate: spec.sampleRate)
        let frontEnd = try LogMelFrontEnd(spec: spec)
        var block = [Float](repeating: 0, count: 16_384)  // mono, at spec.sampleRate
        var frames: [Float] = []                           // [n x nMels], one block's worth
        frames.reserveCapacity((block.count / frontEnd.spec.hop + 2) * frontEnd.spec.nMels)
        while true {
            let n = try decoder.read(into: &block)
            if n == 0 { break }
            frames.removeAll(keepingCapacity: true)
            block.withUnsafeBufferPointer { all in
                let decoded = UnsafeBufferPointer(rebasing: all[0..<n])
                samples?(decoded)
                frontEnd.push(decoded) { frames.append(contentsOf: $0) }
            }
            try frames.withUnsafeBufferPointer { try body($0) }
        }
        frames.removeAll(keepingCapacity: true)
        frontEnd.finish { frames.append(contentsOf: $0) }
        try frames.withUnsafeBufferPointer { try body($0) }
    }
}
