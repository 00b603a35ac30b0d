import MoodCore
@testable import MoodModel
import MoodTestKit
import Testing

/// The engine on the real MSD_musicnn file against musicnn's own TensorFlow graph
/// (`Tests/Fixtures/model/`, made by `Tests/Fixtures/make_model_fixtures.py`).
@Suite struct MusicnnReferenceTests {
    static let modelPath = Fixtures.directory + "../../models/msd_musicnn.safetensors"
    static let network = Result { () throws(ModelFileError) in try Musicnn(contentsOfFile: modelPath) }
    static let unpruned = Result { () throws(ModelFileError) in
        Musicnn(weights: try MusicnnWeights(contentsOfFile: modelPath, pruneConstantChannels: false))
    }
    static let patches = ["silence", "sine1k", "noise", "music_pop", "music_ballad", "music_dance"]

    @Test func loadsTheShippedModel() throws {
        let net = try Self.network.get()
        #expect(net.weights.metadata.tags.count == 50)
        #expect(net.weights.metadata.tags.first == "rock")
        #expect(net.weights.metadata.input.patchFrames == 187)
        #expect(net.config.multiplyAccumulates == 1_398_553_584)  // docs/model-format.md
    }

    /// Both ways of running the network: skipping the constant channels (the default) and computing all.
    @Test(arguments: patches, [true, false])
    func matchesTensorFlow(patch name: String, pruned: Bool) throws {
        let net = try (pruned ? Self.network : Self.unpruned).get()
        let input = try Fixtures.npy("model/\(name).input.npy")
        let penultimate = try Fixtures.npy("model/\(name).penultimate.npy")
        let tags = try Fixtures.npy("model/\(name).tags.npy")
        try #require(input.shape == [187, 96] && penultimate.shape == [200] && tags.shape == [50])

        let out = net.forward(patch: input.values, state: net.makeState())
        let tagDiff = maxAbsDiff(out.tags, tags.values), penDiff = maxAbsDiff(out.penultimate, penultimate.values)
        #expect(tagDiff <= 1e-4, "tags differ by \(tagDiff)")
        #expect(penDiff <= 1e-3, "penultimate differs by \(penDiff)")
    }

    /// Intermediates of one patch; tolerances from the float32 numpy port's own distance to TF
    /// (front 5.0e-5, mid 2.3e-4 with values up to ~112), with headroom.
    @Test func frontAndMidMatchTensorFlow() throws {
        let net = try Self.network.get()
        let input = try Fixtures.npy("model/music_pop.input.npy")
        let front = try Fixtures.npy("model/music_pop.front.npy")
        let mid = try Fixtures.npy("model/music_pop.mid.npy")
        try #require(front.shape == [187, 561] && mid.shape == [187, 753])

        let state = net.makeState()
        _ = net.forward(patch: input.values, state: state)
        let frontDiff = maxAbsDiff(state.front, front.values), midDiff = maxAbsDiff(state.midFeatures, mid.values)
        #expect(frontDiff <= 2e-4, "front differs by \(frontDiff)")
        #expect(midDiff <= 1e-3, "mid differs by \(midDiff)")
    }

    /// The shipped file's constant channels, as `ChannelPlan` describes them.
    @Test func prunesTheDeadChannels() throws {
        let w = try Self.network.get().weights
        #expect(w.timbral.map(\.pruned.channels.count) == [23, 14])
        #expect(w.temporal.map(\.pruned.channels.count) == [3, 7, 17])
        #expect(w.midend.map(\.pruned.channels.count) == [20, 61, 63])
        #expect(w.timbral.allSatisfy { $0.full.channels.count == 204 && $0.full.constants.isEmpty })
        // The mid end reads only the inputs that vary while the layers before run pruned (LiveInputPlan):
        // 64 of the front end's 561, 20 of c1's 64; c2 has no constant channel.
        #expect(w.midend.map { $0.live?.inputs.count } == [64, 20, nil])
        #expect(w.multiplyAccumulates == 137_898_694)  // 10% of the 1.40 G of the whole network
        #expect(try Self.unpruned.get().weights.multiplyAccumulates == 1_398_553_584)
    }

    /// On input far louder than any log-mel patch (x 1000), the constant channels' bound no longer holds
    /// in the front end; the engine then computes them and still agrees with the unpruned network.
    @Test func loudInputFallsBackToTheFullNetwork() throws {
        let net = try Self.network.get(), full = try Self.unpruned.get()
        let input = try Fixtures.npy("model/music_dance.input.npy").values.map { $0 * 1000 }
        #expect(!net.weights.timbral[0].pruned.holds(maxAbsInput: input.map(abs).max()!))
        let a = net.forward(patch: input, state: net.makeState())
        let b = full.forward(patch: input, state: full.makeState())
        #expect(maxAbsDiff(a.tags, b.tags) <= 1e-5)
        #expect(maxAbsDiff(a.penultimate, b.penultimate) <= 1e-4 * (b.penultimate.map(abs).max()! + 1))
    }

    /// A state carries nothing from one patch to the next: every patch through one state gives what it
    /// gives through a fresh one, bit for bit.
    @Test func reusedStateGivesFreshStateResults() throws {
        let net = try Self.network.get()
        let shared = net.makeState()
        for name in Self.patches.reversed() {
            let input = try Fixtures.npy("model/\(name).input.npy")
            let reused = net.forward(patch: input.values, state: shared)
            let fresh = net.forward(patch: input.values, state: net.makeState())
            #expect(reused.tags == fresh.tags && reused.penultimate == fresh.penultimate)
        }
    }
}
