#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodTestKit
import Testing

/// alsa-lib prints its own diagnostics to stderr (`ALSA lib confmisc.c:165:(snd_config_get_card)
/// Cannot get card index for 9`) on every failed open. With no sound card that was one journal line
/// per reopen, every 2 s, forever (~43,000 a day), past the daemon's rule of one line per episode.
/// Now: no `ALSA lib` line at all, and alsa-lib's words ride on the one `lost` line.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct DaemonALSAMessagesTests {
    /// A card that does not exist, and a PCM name no configuration defines, with what alsa-lib says
    /// about each.
    @Test(arguments: [("alsa:hw:9", "Cannot get card index for 9"), ("alsa:no_such_pcm", "Unknown PCM no_such_pcm")])
    func aMissingDeviceIsOneLinePerEpisodeWithAlsaLibsWords(source: String, words: String) async throws {
        // Real time and blocking reads: on a thread of its own, never the cooperative pool's (two
        // threads here), which the other tests need meanwhile.
        try await offPool {
            let daemon = try RunningDaemon(["--source", source])
            // Reopens at 0.25, 0.75, 1.75, 3.75 s after the first failure: five opens, each of which
            // used to print at least one `ALSA lib` line.
            usleep(4_500_000)
            let exitStatus = daemon.stop(timeout: 5)
            let lines = daemon.stderr.split(separator: "\n")
            let alsaLib = lines.filter { $0.contains("ALSA lib") }
            let lost = lines.filter { $0.contains("audio source lost") }
            let errors = lines.filter { $0.contains(" error ") }
            print("\(source): \(lines.count) lines on stderr, \(alsaLib.count) from alsa-lib; lost: \(lost.first ?? "none")")
            #expect(alsaLib.isEmpty, "\(daemon.stderr)")
            #expect(lost.count == 1, "\(daemon.stderr)")
            #expect(errors.count == 1, "\(daemon.stderr)")
            #expect(lost.first?.contains(words) == true, "alsa-lib's words are not in the lost line: \(daemon.stderr)")
            #expect(exitStatus == 0)
        }
    }
}
