import Foundation
import MoodModel

/// musicnn written as direct loops in double precision, from musicnn's `models.py`: the reference
/// the engine's im2col + sgemm layers are tested against. Arrays are row-major `[frames x channels]`.
enum Naive {
    static func relu(_ x: Double) -> Double { max(x, 0) }

    /// `timbral_block`: conv [kt x kf] on the patch zero-padded (kt-1)/2 in time, valid in frequency;
    /// ReLU, BN, max over frequency positions. weight: [filters x kt x kf].
    static func timbral(_ x: [Double], frames: Int, bands: Int, weight: [Float], bias: [Float],
                        bn: RawBatchNorm, kt: Int, kf: Int, eps: Float) -> [Double] {
        let filters = bias.count, pad = (kt - 1) / 2
        var out = [Double](repeating: 0, count: frames * filters)
        for t in 0..<frames {
            for c in 0..<filters {
                var best = -Double.infinity
                for pos in 0...(bands - kf) {
                    var z = Double(bias[c])
                    for dt in 0..<kt {
                        let tt = t + dt - pad
                        guard tt >= 0 && tt < frames else { continue }
                        for df in 0..<kf { z += Double(weight[(c * kt + dt) * kf + df]) * x[tt * bands + pos + df] }
                    }
                    best = max(best, bn.apply(relu(z), channel: c, epsilon: eps))
                }
                out[t * filters + c] = best
            }
        }
        return out
    }

    /// `tempo_block`: conv [k x 1] over time on every band, TF SAME padding; ReLU, BN, max over bands.
    /// weight: [filters x k].
    static func temporal(_ x: [Double], frames: Int, bands: Int, weight: [Float], bias: [Float],
                         bn: RawBatchNorm, k: Int, eps: Float) -> [Double] {
        let filters = bias.count, before = (k - 1) / 2
        var out = [Double](repeating: 0, count: frames * filters)
        for t in 0..<frames {
            for c in 0..<filters {
                var best = -Double.infinity
                for b in 0..<bands {
                    var z = Double(bias[c])
                    for j in 0..<k {
                        let tt = t + j - before
                        guard tt >= 0 && tt < frames else { continue }
                        z += Double(weight[c * k + j]) * x[tt * bands + b]
                    }
                    best = max(best, bn.apply(relu(z), channel: c, epsilon: eps))
                }
                out[t * filters + c] = best
            }
        }
        return out
    }

    /// A mid-end conv: [kt x inputs] over time, zero-padded (kt-1)/2; ReLU, BN. weight: [filters x kt x inputs].
    static func midConv(_ x: [Double], frames: Int, inputs: Int, weight: [Float], bias: [Float],
                        bn: RawBatchNorm, kt: Int, eps: Float) -> [Double] {
        let filters = bias.count, pad = (kt - 1) / 2
        var out = [Double](repeating: 0, count: frames * filters)
        for t in 0..<frames {
            for c in 0..<filters {
                var z = Double(bias[c])
                for dt in 0..<kt {
                    let tt = t + dt - pad
                    guard tt >= 0 && tt < frames else { continue }
                    for i in 0..<inputs { z += Double(weight[(c * kt + dt) * inputs + i]) * x[tt * inputs + i] }
                }
                out[t * filters + c] = bn.apply(relu(z), channel: c, epsilon: eps)
            }
        }
        return out
    }

    /// The back end: pooled [max0, mean0, max1, mean1, ...], BN, dense + ReLU + BN, dense + sigmoid.
    static func backend(_ mid: [Double], frames: Int, channels: Int, pooledBN: RawBatchNorm,
                        dense: [Float], denseBias: [Float], denseBN: RawBatchNorm,
                        output: [Float], outputBias: [Float], eps: Float)
        -> (pooled: [Double], penultimate: [Double], tags: [Double]) {
        var pooled = [Double](repeating: 0, count: 2 * channels)
        for i in 0..<channels {
            let column = (0..<frames).map { mid[$0 * channels + i] }
            pooled[2 * i] = column.max()!
            pooled[2 * i + 1] = column.reduce(0, +) / Double(frames)
        }
        let x = pooled.indices.map { pooledBN.apply(pooled[$0], channel: $0, epsilon: eps) }
        let units = denseBias.count
        let pen = (0..<units).map { u in
            let z = x.indices.reduce(Double(denseBias[u])) { $0 + Double(dense[u * x.count + $1]) * x[$1] }
            return denseBN.apply(relu(z), channel: u, epsilon: eps)
        }
        let tags = outputBias.indices.map { j in
            let z = pen.indices.reduce(Double(outputBias[j])) { $0 + Double(output[j * units + $1]) * pen[$1] }
            return 1 / (1 + exp(-z))
        }
        return (pooled, pen, tags)
    }

    /// The whole network from a model file's tensors.
    static func forward(_ patch: [Float], config cfg: MusicnnConfig, tensor: (String) -> [Float], eps: Float = 0.001)
        -> (front: [Double], mid: [Double], pooled: [Double], penultimate: [Double], tags: [Double]) {
        func bn(_ p: String) -> RawBatchNorm {
            RawBatchNorm(gamma: tensor("\(p).gamma"), beta: tensor("\(p).beta"),
                         mean: tensor("\(p).mean"), variance: tensor("\(p).var"))
        }
        let inputBN = bn("frontend.bn")
        let x = patch.map { inputBN.apply(Double($0), channel: 0, epsilon: eps) }
        var parts: [(values: [Double], width: Int)] = []
        for (i, k) in cfg.timbralKernelBands.enumerated() {
            let p = "frontend.timbral.\(i)"
            parts.append((timbral(x, frames: cfg.frames, bands: cfg.bands, weight: tensor("\(p).weight"),
                                  bias: tensor("\(p).bias"), bn: bn("\(p).bn"), kt: cfg.timbralKernelTime, kf: k, eps: eps),
                          cfg.timbralFilters))
        }
        for (i, k) in cfg.temporalKernels.enumerated() {
            let p = "frontend.temporal.\(i)"
            parts.append((temporal(x, frames: cfg.frames, bands: cfg.bands, weight: tensor("\(p).weight"),
                                   bias: tensor("\(p).bias"), bn: bn("\(p).bn"), k: k, eps: eps), cfg.temporalFilters))
        }
        let front = concat(parts, frames: cfg.frames)
        var layers: [(values: [Double], width: Int)] = [(front, cfg.frontChannels)]
        for i in 0..<3 {
            let p = "midend.\(i)", previous = layers.last!
            var c = midConv(previous.values, frames: cfg.frames, inputs: previous.width, weight: tensor("\(p).weight"),
                            bias: tensor("\(p).bias"), bn: bn("\(p).bn"), kt: cfg.midKernelTime, eps: eps)
            if i > 0 { c = zip(c, previous.values).map(+) }
            layers.append((c, cfg.midFilters))
        }
        let mid = concat(layers, frames: cfg.frames)
        let back = backend(mid, frames: cfg.frames, channels: cfg.midChannels, pooledBN: bn("backend.bn"),
                           dense: tensor("backend.dense.weight"), denseBias: tensor("backend.dense.bias"),
                           denseBN: bn("backend.dense.bn"), output: tensor("backend.output.weight"),
                           outputBias: tensor("backend.output.bias"), eps: eps)
        return (front, mid, back.pooled, back.penultimate, back.tags)
    }

    /// Concatenates `[frames x width]` blocks along channels.
    static func concat(_ parts: [(values: [Double], width: Int)], frames: Int) -> [Double] {
        var out: [Double] = []
        for t in 0..<frames {
            for part in parts { out += part.values[(t * part.width)..<((t + 1) * part.width)] }
        }
        return out
    }
}
