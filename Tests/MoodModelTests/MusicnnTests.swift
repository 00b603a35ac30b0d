import MoodTestKit
import Testing
@testable import MoodModel

/// The whole engine (file -> folded weights -> forward) on a small random network against `Naive`,
/// which reads the unfolded tensors straight from the same file.
@Suite struct MusicnnTests {
    static let writer = SafeTensorsWriter.randomModel(smallConfig, seed: 42)

    static func network() throws -> Musicnn {
        Musicnn(weights: try MusicnnWeights(file: SafeTensors(bytes: writer.bytes(), path: "small"), config: smallConfig))
    }

    static func patch(seed: UInt64) -> [Float] {
        var rng = SeededRandom(seed: seed)
        return rng.floats(smallConfig.frames * smallConfig.bands, in: 0...4)  // log-mel-like range
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func matchesTheDirectImplementation(seed: UInt64) throws {
        let net = try Self.network(), state = net.makeState()
        let patch = Self.patch(seed: seed)
        let out = net.forward(patch: patch, state: state)
        let expected = Naive.forward(patch, config: smallConfig, tensor: Self.writer.values)

        #expect(maxRelativeDiff(state.front, expected.front) < 1e-5)
        #expect(maxRelativeDiff(state.midFeatures, expected.mid) < 1e-4)
        let c = smallConfig.midChannels, pooled = state.pooledFeatures
        let interleaved = (0..<c).flatMap { [pooled[$0], pooled[c + $0]] }
        #expect(maxRelativeDiff(interleaved, expected.pooled) < 1e-4)
        #expect(maxAbsDiff(out.penultimate, expected.penultimate) < 1e-4)
        #expect(maxAbsDiff(out.tags, expected.tags) < 1e-5)
    }

    /// A file whose `input` asks for other patch lengths (shorter and longer than the temporal
    /// kernels of 8, 5 and 2 frames, and than the mid-end's 7) runs at that length and still matches.
    @Test(arguments: [1, 4, 13, 30])
    func runsThePatchLengthOfTheFile(frames: Int) throws {
        var writer = Self.writer
        writer.metadata["input"] = writer.metadata["input"]!.replacingOccurrences(
            of: "\"patch_frames\": \(smallConfig.frames)", with: "\"patch_frames\": \(frames)")
        let net = Musicnn(weights: try MusicnnWeights(file: SafeTensors(bytes: writer.bytes(), path: "small"), config: smallConfig))
        var config = smallConfig
        config.frames = frames
        #expect(net.config == config)
        var rng = SeededRandom(seed: UInt64(frames))
        let patch = rng.floats(frames * smallConfig.bands, in: 0...4)
        let out = net.forward(patch: patch, state: net.makeState())
        let expected = Naive.forward(patch, config: config, tensor: Self.writer.values)
        #expect(maxAbsDiff(out.penultimate, expected.penultimate) < 1e-4)
        #expect(maxAbsDiff(out.tags, expected.tags) < 1e-5)
    }

    /// One shared `Musicnn`, one state per task: concurrent streams give the single-stream results.
    @Test func streamsRunConcurrentlyOnSharedWeights() async throws {
        let net = try Self.network()
        let patches = (0..<8).map { Self.patch(seed: 100 + UInt64($0)) }
        let serial = patches.map { net.forward(patch: $0, state: net.makeState()).tags }
        let concurrent = await withTaskGroup(of: (Int, [Float]).self) { group in
            for (i, patch) in patches.enumerated() {
                group.addTask {
                    let state = net.makeState()
                    var tags: [Float] = []
                    for _ in 0..<20 { tags = net.forward(patch: patch, state: state).tags }
                    return (i, tags)
                }
            }
            var out = [[Float]](repeating: [], count: patches.count)
            for await (i, tags) in group { out[i] = tags }
            return out
        }
        #expect(concurrent == serial)
    }

    @Test func stateIsSizedFromTheConfiguration() throws {
        let state = try Self.network().makeState()
        let c = smallConfig
        #expect(state.front.count == c.frames * c.frontChannels)
        #expect(state.midFeatures.count == c.frames * c.midChannels)
        #expect(state.bandStride == 3 + c.frames + 4)  // kernels 8, 5, 2: pads (3, 4), (2, 2), (0, 1)
    }
}
