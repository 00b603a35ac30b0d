import Foundation
@testable import MoodModel
import MoodTestKit

/// Unfolded batch-norm parameters, as a model file stores them.
struct RawBatchNorm {
    var gamma: [Float], beta: [Float], mean: [Float], variance: [Float]

    init(gamma: [Float], beta: [Float], mean: [Float], variance: [Float]) {
        (self.gamma, self.beta, self.mean, self.variance) = (gamma, beta, mean, variance)
    }

    /// Random parameters with both signs of gamma, so both branches of the sign folding run.
    init(channels: Int, using rng: inout SeededRandom) {
        gamma = rng.floats(channels, in: -1.5...1.5)
        beta = rng.floats(channels, in: -0.5...0.5)
        mean = rng.floats(channels, in: -0.5...0.5)
        variance = rng.floats(channels, in: 0.1...2)
    }

    func folded(epsilon: Float) -> FoldedBatchNorm {
        FoldedBatchNorm(gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: epsilon)
    }

    /// The textbook formula, in double precision.
    func apply(_ x: Double, channel c: Int, epsilon: Float) -> Double {
        Double(gamma[c]) * (x - Double(mean[c])) / (Double(variance[c]) + Double(epsilon)).squareRoot() + Double(beta[c])
    }
}

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

func maxAbsDiff(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
    return zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
}

/// The largest difference, each relative to its reference value's magnitude (but at least 1): float32
/// rounding grows with the values, and which BLAS kernel a CPU gets decides how it accumulates, so an
/// absolute bound that holds on one machine fails on another (the small test network: values up to 17).
func maxRelativeDiff(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
    return zip(a, b).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
}

/// A small musicnn for tests: every kind of layer, a few channels each, even and odd temporal kernels.
let smallConfig = MusicnnConfig(
    frames: 12, bands: 16, timbralFilters: 5, timbralKernelTime: 7, timbralKernelBands: [6, 11],
    temporalFilters: 3, temporalKernels: [8, 5, 2], midFilters: 4, midKernelTime: 7,
    denseUnits: 6, tagCount: 3)

/// A temporary file that removes itself.
final class TemporaryFile {
    let path: String
    init(bytes: [UInt8]) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("moodmodel-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
