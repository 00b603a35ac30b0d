// moodd-bench: the release-mode timing half of scripts/bench (which runs the reference stacks beside it
// and prints the table). One stage per invocation, one thread:
//
//   moodd-bench STAGE FILE [--repeats N]
//
// prints `STAGE AUDIO_SECONDS MEDIAN_THREAD_CPU_SECONDS MEDIAN_WALL_SECONDS`.
import Foundation
import MoodAudio
import MoodDSP

/// CPU time of the calling thread, in seconds (CLOCK_THREAD_CPUTIME_ID): immune to other processes.
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func wallSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Decodes `path` to mono 16 kHz; returns the sample count (and the samples when `keep`).
func decode(_ path: String, keep: Bool) throws -> (count: Int, samples: [Float]) {
    let decoder = try AudioFileDecoder(path: path)
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
    guard args.count == 2 else {
        throw UsageError(text: "usage: moodd-bench frontend|decode|decode+frontend FILE [--repeats N]")
    }
    let (stage, path) = (args[0], args[1])
    let audio = try decode(path, keep: true)
    let seconds = Double(audio.count) / Double(AudioFileDecoder.outputSampleRate)
    let frontEnd = try LogMelFrontEnd(spec: .musicnn)

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

struct UsageError: Error, CustomStringConvertible { var text: String; var description: String { text } }

do { try run() } catch {
    FileHandle.standardError.write(Data("moodd-bench: \(error)\n".utf8))
    exit(1)
}
