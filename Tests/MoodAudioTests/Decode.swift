import MoodAudio

/// Test helpers shared by the MoodAudio suites.
enum Decode {
    /// Every sample of `path` at `sampleRate` Hz (default: the `.16k.npy` references' rate), read
    /// `chunk` samples at a time from a decoder reading `blockFrames` source frames per libsndfile call.
    static func all(_ path: String, sampleRate: Int = 16000, blockFrames: Int = 4096, chunk: Int = 1000)
        throws(AudioError) -> [Float]
    {
        let decoder = try AudioFileDecoder(path: path, sampleRate: sampleRate, blockFrames: blockFrames)
        var out: [Float] = []
        var buffer = [Float](repeating: .nan, count: chunk)
        while true {
            let n = try decoder.read(into: &buffer)
            if n == 0 { break }
            out += buffer[0..<n]
        }
        return out
    }

    /// Largest |a[i] - b[i]| over the common length; .infinity if the lengths differ.
    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}
