import MoodTestKit
import Testing

/// The daemon's memory goal depends on what it maps: all of Foundation with ICU's data was 10.8 MB
/// of its resident size (docs/benchmarks.md). The dynamic loader lists what each executable needs
/// (`LD_TRACE_LOADED_OBJECTS`, what `ldd` does), so a stray `import Foundation` fails here.
@Suite struct LinkedLibrariesTests {
    @Test(arguments: ["moodd", "moodctl"])
    func linksNoFoundationBeyondEssentials(executable: String) throws {
        let result = try Command.run(executable, [], environment: ["LD_TRACE_LOADED_OBJECTS": "1"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("libswiftCore.so"), "no library list: \(result.stdout)")
        for library in ["libFoundation.so", "libFoundationInternationalization.so", "lib_FoundationICU.so"] {
            #expect(!result.stdout.contains(library), "\(executable) links \(library)")
        }
    }
}
