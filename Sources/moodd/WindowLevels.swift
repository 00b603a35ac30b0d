#if canImport(Glibc)
import Glibc
#endif

/// The RMS level of `moodd classify`'s windows, from the decoded samples: the offline twin of the
/// daemon's silence gate (`MoodTracker.isSilent`), which measures the samples of its latest patch.
///
/// Keeps one sum of squares per frame hop (musicnn: 256 samples, 16 ms), so a window of frames `[a, b)`
/// has the level of samples `[a * hop, b * hop)`: 187 frames are 47 872 samples, the daemon's level
/// window (`AnalysisPipeline.windowSamples`). 8 bytes per hop: 1.8 MB for an hour of audio at 16 kHz.
struct WindowLevels {
    /// Samples per frame hop.
    let hop: Int
    private var sums: [Double] = []  // [complete hops], sum of squared samples
    private var partial = 0.0        // the incomplete last hop's sum of squares
    private var partialCount = 0     // and its samples

    init(hop: Int) {
        precondition(hop > 0)
        self.hop = hop
    }

    /// Adds the next samples of the stream.
    mutating func push(_ samples: UnsafeBufferPointer<Float>) {
        for x in samples {
            partial += Double(x) * Double(x)
            partialCount += 1
            if partialCount == hop {
                sums.append(partial)
                partial = 0
                partialCount = 0
            }
        }
    }

    /// RMS level of the samples of frames `frames` that have been pushed, dBFS; -inf when they are all
    /// zero or none have (a window padded past the end of a short file counts only its real samples).
    func levelDB(frames: Range<Int>) -> Float {
        var sum = 0.0
        var count = 0
        let complete = frames.clamped(to: 0..<sums.count)
        for i in complete {
            sum += sums[i]
            count += hop
        }
        if frames.contains(sums.count), partialCount > 0 {
            sum += partial
            count += partialCount
        }
        guard count > 0, sum > 0 else { return -.infinity }
        return Float(10 * log10(sum / Double(count)))
    }
}
