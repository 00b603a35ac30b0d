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

    /// libmosquitto (with libssl and libcrypto) and SQLite are opened when the daemon is configured
    /// for MQTT and when `moodd scan`/`playlist` open a database (dlopen: `CMosquitto/shim.h`,
    /// `CSQLite/shim.h`), not linked: linked, they were 2.3 MB of every daemon's resident memory with
    /// MQTT off (docs/benchmarks.md, "Where the memory went").
    @Test func opensMQTTAndSQLiteOnlyWhenUsed() throws {
        let result = try Command.run("moodd", [], environment: ["LD_TRACE_LOADED_OBJECTS": "1"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("libswiftCore.so") || result.stdout.contains("libc.so"), "no library list: \(result.stdout)")
        for library in ["libmosquitto.so", "libssl.so", "libcrypto.so", "libsqlite3.so"] {
            #expect(!result.stdout.contains(library), "moodd links \(library)")
        }
    }
}
