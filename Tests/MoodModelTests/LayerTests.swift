import MoodTestKit
import Testing
@testable import MoodModel

/// Each layer kind of the engine (im2col + sgemm + fused epilogue) against `Naive` on small seeded data.
@Suite struct LayerTests {
    let eps: Float = 0.001

    /// `values` as `[rows x width]` with `pad` zero rows above and below.
    func padded(_ values: [Double], width: Int, pad: Int) -> [Float] {
        let zeros = [Float](repeating: 0, count: pad * width)
        return zeros + values.map(Float.init) + zeros
    }

    /// `count` random values, with rows `dead` of `[rows x count/rows]` scaled down to ~1e-12, as
    /// MSD_musicnn's dead channels are.
    static func weights(_ count: Int, rows: Int, dead: [Int], in range: ClosedRange<Float>, using rng: inout SeededRandom) -> [Float] {
        var w = rng.floats(count, in: range)
        let k = count / rows
        for r in dead { for i in (r * k)..<((r + 1) * k) { w[i] *= 1e-11 } }
        return w
    }

    /// (kernel bands, frames per sgemm, input magnitude): magnitude 1 uses the pruned plan (channels 1 and
    /// 3 constant), 1e5 is beyond what the constants allow and must use the full plan.
    @Test(arguments: [(6, 1, 1), (6, 3, 1), (11, 4, 1), (11, 100, 1), (6, 3, 1e5)] as [(Int, Int, Float)])
    func timbralBlockMatchesDirectConvolution(kernelBands: Int, chunkFrames: Int, magnitude: Float) {
        let frames = 10, bands = 16, filters = 5, kt = 7
        var rng = SeededRandom(seed: UInt64(kernelBands * 1000 + chunkFrames))
        let x = rng.floats(frames * bands, in: -magnitude...magnitude).map(Double.init)
        let weight = Self.weights(filters * kt * kernelBands, rows: filters, dead: [1, 3], in: -0.3...0.3, using: &rng)
        let bias = rng.floats(filters, in: -0.5...0.5)
        var bn = RawBatchNorm(channels: filters, using: &rng)
        bn.gamma[0] = -abs(bn.gamma[0])
        bn.gamma[2] = abs(bn.gamma[2])
        let block = TimbralBlock(weight: weight, bias: bias, bn: bn.folded(epsilon: eps), kernelTime: kt,
                                 kernelBands: kernelBands)
        #expect(block.full.sign.contains(-1) && block.full.sign.contains(1))
        #expect(block.pruned.channels == [0, 2, 4] && block.pruned.constants.map(\.channel) == [1, 3])
        #expect(block.pruned.holds(maxAbsInput: magnitude) == (magnitude == 1))

        let input = padded(x, width: bands, pad: 3)
        let stride = filters + 2  // the block writes into a wider row, as into the engine's front buffer
        var output = [Float](repeating: .nan, count: frames * stride)
        let need = block.scratch(chunkFrames: min(chunkFrames, frames), bands: bands)
        var columns = [Float](repeating: 0, count: need.columns), product = [Float](repeating: 0, count: need.product)
        var reduced = [Float](repeating: 0, count: block.full.width)
        _ = input.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                block.apply(input: input.baseAddress!, maxAbsInput: magnitude, frames: frames, bands: bands,
                            chunkFrames: chunkFrames, output: out.baseAddress!, outputStride: stride,
                            columns: columns.withUnsafeMutableBufferPointer { $0 },
                            product: product.withUnsafeMutableBufferPointer { $0 },
                            reduced: reduced.withUnsafeMutableBufferPointer { $0 })
            }
        }
        let expected = Naive.timbral(x, frames: frames, bands: bands, weight: weight, bias: bias, bn: bn,
                                     kt: kt, kf: kernelBands, eps: eps)
        let got = (0..<frames).flatMap { t in output[(t * stride)..<(t * stride + filters)] }
        #expect(maxAbsDiff(got, expected) < 1e-5 * Double(magnitude))
        #expect((0..<frames).allSatisfy { t in output[(t * stride + filters)..<((t + 1) * stride)].allSatisfy { $0.isNaN } })
    }

    /// (kernel, bands per sgemm, input magnitude), as for the timbral block; channel 2 of 6 is dead.
    @Test(arguments: [(8, 1, 1), (8, 5, 1), (5, 3, 1), (2, 16, 1), (1, 7, 1), (8, 5, 1e6)] as [(Int, Int, Float)])
    func temporalBlockMatchesDirectConvolution(kernel: Int, chunkBands: Int, magnitude: Float) {
        let frames = 12, bands = 16, filters = 6
        var rng = SeededRandom(seed: UInt64(kernel * 1000 + chunkBands))
        let x = rng.floats(frames * bands, in: -magnitude...magnitude).map(Double.init)
        let weight = Self.weights(filters * kernel, rows: filters, dead: [2], in: -0.5...0.5, using: &rng)
        let bias = rng.floats(filters, in: -0.5...0.5)
        var bn = RawBatchNorm(channels: filters, using: &rng)
        bn.gamma[0] = -abs(bn.gamma[0])
        bn.gamma[1] = abs(bn.gamma[1])
        let block = TemporalBlock(weight: weight, bias: bias, bn: bn.folded(epsilon: eps), kernelTime: kernel)
        #expect(block.pruned.channels == [0, 1, 3, 4, 5] && block.pruned.width == 8 && block.full.width == 8)
        #expect(block.pruned.holds(maxAbsInput: magnitude) == (magnitude == 1))

        // Band-major with more left padding than this kernel needs, as when kernels of several lengths share it.
        let leftPad = block.padBefore + 2, rowStride = leftPad + frames + block.padAfter + 1
        var input = [Float](repeating: 0, count: bands * rowStride)
        for t in 0..<frames { for b in 0..<bands { input[b * rowStride + leftPad + t] = Float(x[t * bands + b]) } }
        let stride = filters + 1
        var output = [Float](repeating: .nan, count: frames * stride)
        let need = block.scratch(chunkBands: chunkBands, frames: frames)
        var columns = [Float](repeating: 0, count: need.columns), product = [Float](repeating: 0, count: need.product)
        var accumulator = [Float](repeating: 0, count: frames * block.full.width)
        _ = input.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                block.apply(input: input.baseAddress!, maxAbsInput: magnitude, rowStride: rowStride, leftPad: leftPad,
                            frames: frames, bands: bands, chunkBands: chunkBands, output: out.baseAddress!,
                            outputStride: stride, columns: columns.withUnsafeMutableBufferPointer { $0 },
                            product: product.withUnsafeMutableBufferPointer { $0 },
                            accumulator: accumulator.withUnsafeMutableBufferPointer { $0 })
            }
        }
        let expected = Naive.temporal(x, frames: frames, bands: bands, weight: weight, bias: bias, bn: bn,
                                      k: kernel, eps: eps)
        let got = (0..<frames).flatMap { t in output[(t * stride)..<(t * stride + filters)] }
        #expect(maxAbsDiff(got, expected) < 1e-5 * Double(magnitude))
    }

    /// (residual, input magnitude); channel 1 of 5 is dead.
    @Test(arguments: [(false, 1), (true, 1), (true, 1e6)] as [(Bool, Float)])
    func midendBlockMatchesDirectConvolution(withResidual: Bool, magnitude: Float) {
        let frames = 9, inputs = 10, filters = 5, kt = 7
        var rng = SeededRandom(seed: withResidual ? 7 : 8)
        let x = rng.floats(frames * inputs, in: -magnitude...magnitude).map(Double.init)
        let weight = Self.weights(filters * kt * inputs, rows: filters, dead: [1], in: -0.3...0.3, using: &rng)
        let bias = rng.floats(filters, in: -0.5...0.5)
        let bn = RawBatchNorm(channels: filters, using: &rng)
        let residual = rng.floats(frames * filters)
        let block = MidendBlock(weight: weight, bias: bias, bn: bn.folded(epsilon: eps), kernelTime: kt, inputs: inputs)
        #expect(block.pruned.constants.map(\.channel) == [1])

        // Input rows are wider than `inputs` (stride 13), as the engine's [front | c1 | c2 | c3] rows are.
        let stride = 13
        var input = [Float](repeating: 0, count: (frames + 6) * stride)
        for t in 0..<frames { for i in 0..<inputs { input[(t + 3) * stride + i] = Float(x[t * inputs + i]) } }
        var output = [Float](repeating: 0, count: frames * filters)
        let need = block.scratch(frames: frames)
        var columns = [Float](repeating: 0, count: need.columns), product = [Float](repeating: 0, count: need.product)
        _ = input.withUnsafeBufferPointer { input in
            residual.withUnsafeBufferPointer { res in
                output.withUnsafeMutableBufferPointer { out in
                    block.apply(input: input.baseAddress!, inputStride: stride, frames: frames, inputsHold: false,
                                output: out.baseAddress!, outputStride: filters,
                                residual: withResidual ? res.baseAddress! : nil, residualStride: filters,
                                columns: columns.withUnsafeMutableBufferPointer { $0 },
                                product: product.withUnsafeMutableBufferPointer { $0 })
                }
            }
        }
        var expected = Naive.midConv(x, frames: frames, inputs: inputs, weight: weight, bias: bias, bn: bn,
                                     kt: kt, eps: eps)
        if withResidual { expected = zip(expected, residual).map { $0 + Double($1) } }
        #expect(maxAbsDiff(output, expected) < 1e-5 * Double(magnitude))
    }

    /// Inputs 2, 5 and 6 of 10 hold constants (as dead channels of the layers before do): with
    /// `inputsHold` the block reads only the other 7 and adds the constants' share, also on the first
    /// and last 3 frames, whose taps partly read the zero padding; without it, it reads all 10.
    @Test(arguments: [true, false])
    func midendBlockWithConstantInputsMatchesDirectConvolution(inputsHold: Bool) {
        let frames = 9, inputs = 10, filters = 5, kt = 7, stride = 13
        let constants: [Int: Float] = [2: 0.75, 5: -1.5, 6: 2.25]
        var rng = SeededRandom(seed: 11)
        var x = rng.floats(frames * inputs, in: -1...1).map(Double.init)
        for t in 0..<frames { for (i, v) in constants { x[t * inputs + i] = Double(v) } }
        let weight = Self.weights(filters * kt * inputs, rows: filters, dead: [1], in: -0.3...0.3, using: &rng)
        let bias = rng.floats(filters, in: -0.5...0.5)
        let bn = RawBatchNorm(channels: filters, using: &rng)
        let residual = rng.floats(frames * filters)
        let block = MidendBlock(weight: weight, bias: bias, bn: bn.folded(epsilon: eps), kernelTime: kt, inputs: inputs,
                                constantInputs: constants)
        #expect(block.live?.inputs == [0, 1, 3, 4, 7, 8, 9])

        var input = [Float](repeating: 0, count: (frames + 6) * stride)
        for t in 0..<frames { for i in 0..<inputs { input[(t + 3) * stride + i] = Float(x[t * inputs + i]) } }
        var output = [Float](repeating: 0, count: frames * filters)
        let need = block.scratch(frames: frames)
        var columns = [Float](repeating: 0, count: need.columns), product = [Float](repeating: 0, count: need.product)
        let ranPruned = input.withUnsafeBufferPointer { input in
            residual.withUnsafeBufferPointer { res in
                output.withUnsafeMutableBufferPointer { out in
                    block.apply(input: input.baseAddress!, inputStride: stride, frames: frames, inputsHold: inputsHold,
                                output: out.baseAddress!, outputStride: filters,
                                residual: res.baseAddress!, residualStride: filters,
                                columns: columns.withUnsafeMutableBufferPointer { $0 },
                                product: product.withUnsafeMutableBufferPointer { $0 })
                }
            }
        }
        #expect(ranPruned)
        let expected = zip(Naive.midConv(x, frames: frames, inputs: inputs, weight: weight, bias: bias, bn: bn,
                                         kt: kt, eps: eps), residual).map { $0 + Double($1) }
        #expect(maxAbsDiff(output, expected) < 1e-5)
    }

    @Test func backendMatchesDirectPoolingAndDenseLayers() {
        let frames = 11, channels = 9, units = 6, tags = 4
        var rng = SeededRandom(seed: 99)
        let mid = rng.floats(frames * channels, in: -2...2)
        let pooledBN = RawBatchNorm(channels: 2 * channels, using: &rng)
        let dense = rng.floats(units * 2 * channels, in: -0.4...0.4), denseBias = rng.floats(units)
        let denseBN = RawBatchNorm(channels: units, using: &rng)
        let output = rng.floats(tags * units), outputBias = rng.floats(tags)
        let block = BackendBlock(pooledBN: pooledBN.folded(epsilon: eps), dense: dense, denseBias: denseBias,
                                 denseBN: denseBN.folded(epsilon: eps), output: output, outputBias: outputBias)
        var pooled = [Float](repeating: 0, count: 2 * channels), normalized = pooled
        var pen = [Float](repeating: 0, count: units), probs = [Float](repeating: 0, count: tags)
        mid.withUnsafeBufferPointer { mid in
            block.apply(mid: mid.baseAddress!, midStride: channels, frames: frames,
                        pooled: pooled.withUnsafeMutableBufferPointer { $0 },
                        normalized: normalized.withUnsafeMutableBufferPointer { $0 },
                        penultimate: pen.withUnsafeMutableBufferPointer { $0 },
                        tags: probs.withUnsafeMutableBufferPointer { $0 })
        }
        let expected = Naive.backend(mid.map(Double.init), frames: frames, channels: channels, pooledBN: pooledBN,
                                     dense: dense, denseBias: denseBias, denseBN: denseBN,
                                     output: output, outputBias: outputBias, eps: eps)
        // The engine keeps [max | mean]; the file's order interleaves them.
        let interleaved = (0..<channels).flatMap { [pooled[$0], pooled[channels + $0]] }
        #expect(maxAbsDiff(interleaved, expected.pooled) < 1e-6)
        #expect(maxAbsDiff(pen, expected.penultimate) < 1e-5)
        #expect(maxAbsDiff(probs, expected.tags) < 1e-6)
    }

    @Test func foldedBatchNormMatchesTheFormula() {
        var rng = SeededRandom(seed: 3)
        let raw = RawBatchNorm(channels: 8, using: &rng)
        let folded = raw.folded(epsilon: eps)
        let x = rng.floats(8, in: -3...3)
        let got = x.indices.map { folded.scale[$0] * x[$0] + folded.shift[$0] }
        let expected = x.indices.map { raw.apply(Double(x[$0]), channel: $0, epsilon: eps) }
        #expect(maxAbsDiff(got, expected) < 1e-6)
    }
}
