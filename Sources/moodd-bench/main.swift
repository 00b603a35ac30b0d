// moodd-bench: the release-mode timing half of scripts/bench (which runs the reference stacks beside it
// and prints the table). One stage per invocation, one thread:
//
//   moodd-bench STAGE FILE [--repeats N]
//
// prints `STAGE AUDIO_SECONDS MEDIAN_THREAD_CPU_SECONDS MEDIAN_WALL_SECONDS`, or for the CNN:
//
//   moodd-bench cnn PATCHES.npy MODEL [--repeats N] [--full]   -> `cnn PATCHES MS_PER_PATCH MACS_PER_PATCH`
//                                                                  and writes PATCHES.swift_penultimate.npy
//   moodd-bench sgemm [--repeats N]                            -> `sgemm GFLOPS_1024 GFLOPS_TIMBRAL`
//   moodd-bench smoothing TIMELINES.jsonl                      -> a table (see SmoothingStudy)
import Foundation
import MoodAudio
import MoodCore
import MoodDSP
import MoodModel
import MoodSystem
import MoodTestKit

/// CPU time of the calling thread, in seconds (CLOCK_THREAD_CPUTIME_ID): immune to other processes.
func threadCPUSeconds() -> Double { SystemClock.threadCPUSeconds }

/// CLOCK_MONOTONIC, seconds.
func wallSeconds() -> Double { SystemClock.now.seconds }

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// The input the front-end stages are timed with: musicnn's (16 kHz, the shipped models').
let benchInput = ModelInput.musicnn()

/// Decodes `path` to mono at `benchInput`'s rate; returns the sample count (and the samples when `keep`).
func decode(_ path: String, keep: Bool) throws -> (count: Int, samples: [Float]) {
    let decoder = try AudioFileDecoder(path: path, sampleRate: benchInput.sampleRate)
    var block = [Float](repeating: 0, count: 16_384)
    var all: [Float] = []
    var count = 0
    while true {
        let n = try decoder.read(into: &block)
        if n == 0 { break }
        count += n
        if keep { all.append(contentsOf: block[0..<n]) }
    }
    return (count, all)
}

/// Runs the front end over `samples`, fresh state each time, as `moodd features` does after decoding.
func logMel(_ samples: [Float], frontEnd: LogMelFrontEnd) -> Float {
    frontEnd.reset()
    var checksum: Float = 0  // keeps the work observable so the optimiser cannot drop it
    samples.withUnsafeBufferPointer { all in
        var start = 0
        while start < all.count {  // 16384-sample blocks, like the decoder delivers
            let end = min(start + 16_384, all.count)
            frontEnd.push(UnsafeBufferPointer(rebasing: all[start..<end])) { checksum += $0[0] }
            start = end
        }
    }
    frontEnd.finish { checksum += $0[0] }
    return checksum
}

func run() throws {
    var args = Array(CommandLine.arguments.dropFirst())
    var repeats = 15
    if let i = args.firstIndex(of: "--repeats"), i + 1 < args.count, let n = Int(args[i + 1]), n > 0 {
        repeats = n
        args.removeSubrange(i...i + 1)
    }
    if args.first == "sgemm" {
        // A large square product, and the shape of the first timbral conv's GEMM (187 x 59 positions,
        // 7 x 38 taps, 204 filters).
        let square = SgemmProbe.gflops(m: 1024, n: 1024, k: 1024, repeats: repeats, seconds: threadCPUSeconds)
        let timbral = SgemmProbe.gflops(m: 187 * 59, n: 204, k: 7 * 38, repeats: repeats, seconds: threadCPUSeconds)
        print("sgemm", square, timbral)
        return
    }
    if args.first == "smoothing", args.count >= 2 {
        try SmoothingStudy.run(path: args[1])
        return
    }
    if args.first == "cnn", args.count >= 3 {
        try cnn(patchesPath: args[1], model: args[2], repeats: repeats, full: args.contains("--full"))
        return
    }
    guard args.count == 2 else {
        throw UsageError(text: "usage: moodd-bench frontend|decode|decode+frontend FILE [--repeats N]")
    }
    let (stage, path) = (args[0], args[1])
    let audio = try decode(path, keep: true)
    let seconds = Double(audio.count) / Double(benchInput.sampleRate)
    let frontEnd = try LogMelFrontEnd(spec: benchInput.logMelSpec)

    let work: () throws -> Void
    switch stage {
    case "frontend": work = { _ = logMel(audio.samples, frontEnd: frontEnd) }
    case "decode": work = { _ = try decode(path, keep: false) }
    case "decode+frontend": work = { _ = logMel(try decode(path, keep: true).samples, frontEnd: frontEnd) }
    default: throw UsageError(text: "unknown stage \(stage)")
    }
    try work()  // warm-up
    var cpu: [Double] = [], wall: [Double] = []
    for _ in 0..<repeats {
        let (c0, w0) = (threadCPUSeconds(), wallSeconds())
        try work()
        cpu.append(threadCPUSeconds() - c0)
        wall.append(wallSeconds() - w0)
    }
    print(stage, seconds, median(cpu), median(wall))
}

/// Times the engine over every patch of `patchesPath` ([n, 187, 96] float32), one patch at a time on
/// one thread, as the daemon runs it; writes the embeddings beside the patches for the parity check.
func cnn(patchesPath: String, model: String, repeats: Int, full: Bool) throws {
    let patches = try NPY.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: patchesPath))))
    let network = try Musicnn(contentsOfFile: model, pruneConstantChannels: !full)
    let size = network.config.frames * network.config.bands
    let count = patches.values.count / size
    let state = network.makeState()
    var penultimate = [Float](repeating: 0, count: count * network.config.denseUnits)
    var tags = [Float](repeating: 0, count: network.config.tagCount)
    func pass() {
        patches.values.withUnsafeBufferPointer { all in
            penultimate.withUnsafeMutableBufferPointer { pen in
                tags.withUnsafeMutableBufferPointer { tags in
                    for i in 0..<count {
                        let units = network.config.denseUnits
                        network.forward(patch: UnsafeBufferPointer(rebasing: all[i * size..<(i + 1) * size]), state: state,
                                        penultimate: UnsafeMutableBufferPointer(rebasing: pen[i * units..<(i + 1) * units]),
                                        tags: tags)
                    }
                }
            }
        }
    }
    pass()  // warm-up
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = threadCPUSeconds()
        pass()
        times.append((threadCPUSeconds() - start) / Double(count) * 1e3)
    }
    let out = patchesPath.replacingOccurrences(of: ".npy", with: "") + ".swift_penultimate.npy"
    try Data(NPY.encode(float32: penultimate, shape: [count, network.config.denseUnits])).write(to: URL(fileURLWithPath: out))
    print("cnn", count, median(times), network.weights.multiplyAccumulates)
}

struct UsageError: Error, CustomStringConvertible { var text: String; var description: String { text } }

do { try run() } catch {
    FileHandle.standardError.write(Data("moodd-bench: \(error)\n".utf8))
    exit(1)
}
