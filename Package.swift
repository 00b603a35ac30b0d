// swift-tools-version:6.0
//
// moodd: real-time music mood recognition daemon for Linux.
// Layout and dependency direction: see docs/architecture.md.

import PackageDescription

/// One `[system]` target per C library, each found by pkg-config and installed by apt.
func systemLibrary(_ name: String, pkg: String, apt: String) -> Target {
    .systemLibrary(name: name, pkgConfig: pkg, providers: [.apt([apt])])
}

/// A C library that `moodd run` needs only when configured for it: its headers (from `apt`, in the
/// compiler's default include path), never linked; the one Swift file that uses it opens it with
/// dlopen on first use (the target's shim.h). Linked, it would be mapped and relocated in every
/// daemon: libmosquitto with libssl and libcrypto is 1.9 MB resident, SQLite 0.4 MB (docs/benchmarks.md).
func runtimeLibrary(_ name: String, apt: String) -> Target {
    .systemLibrary(name: name, providers: [.apt([apt])])
}

let package = Package(
    name: "moodd",
    products: [
        .executable(name: "moodd", targets: ["moodd"]),
        .executable(name: "moodd-bench", targets: ["moodd-bench"]),
        .executable(name: "moodctl", targets: ["moodctl"]),
        .executable(name: "moodd-web", targets: ["moodd-web"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        systemLibrary("CALSA", pkg: "alsa", apt: "libasound2-dev"),
        systemLibrary("CPulseSimple", pkg: "libpulse-simple", apt: "libpulse-dev"),
        systemLibrary("CFFTW3f", pkg: "fftw3f", apt: "libfftw3-dev"),
        systemLibrary("COpenBLAS", pkg: "openblas", apt: "libopenblas-dev"),
        systemLibrary("CSndfile", pkg: "sndfile", apt: "libsndfile1-dev"),
        systemLibrary("CSoxr", pkg: "soxr", apt: "libsoxr-dev"),
        runtimeLibrary("CSQLite", apt: "libsqlite3-dev"),
        runtimeLibrary("CMosquitto", apt: "libmosquitto-dev"),

        .target(name: "MoodCore", dependencies: [.product(name: "DequeModule", package: "swift-collections")]),
        // The one seam for system calls (errors, descriptors, clocks, threads, Unix-socket addresses),
        // on swift-system. Beside MoodCore, below everything that does I/O.
        .target(name: "MoodSystem", dependencies: [.product(name: "SystemPackage", package: "swift-system")]),
        .target(name: "MoodDSP", dependencies: ["CFFTW3f"]),
        .target(name: "MoodAudio", dependencies: ["MoodCore", "MoodSystem", "CSndfile", "CSoxr", "CALSA", "CPulseSimple"]),
        .target(name: "MoodModel", dependencies: ["MoodCore", "MoodSystem", "MoodDSP", "COpenBLAS"]),
        // The music library's database (moodd scan, moodd playlist): SQLite behind one file.
        .target(name: "MoodLibrary", dependencies: ["MoodCore", "CSQLite"]),
        .target(
            name: "MoodService",
            dependencies: [
                "MoodCore", "MoodSystem", "MoodDSP", "MoodModel", "MoodAudio", "CMosquitto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(name: "MoodTestKit", dependencies: ["MoodCore", "MoodSystem"]),
        // What the command-line programs share: the configuration file read, parsed and overridden.
        .target(name: "MoodCLI", dependencies: ["MoodCore", "MoodSystem", .product(name: "SystemPackage", package: "swift-system")]),
        // The live page (moodd-web): a subscriber of the daemon's socket served over HTTP by Hummingbird.
        .target(
            name: "MoodWeb",
            dependencies: [
                "MoodCore", "MoodSystem",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .executableTarget(
            name: "moodd",
            dependencies: [
                "MoodCore", "MoodSystem", "MoodDSP", "MoodAudio", "MoodModel", "MoodService", "MoodLibrary", "MoodCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The daemon's relative relocations packed (DT_RELR, glibc 2.36+; gold cannot, lld can): the
            // dynamic loader reads every relocation at each start, and as RELA entries they were 0.5 MB
            // resident (1.3 MB in the static build) of the daemon's memory (docs/benchmarks.md).
            linkerSettings: [.unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"])]
        ),
        // The client: MoodCore and MoodSystem only, so it never links ALSA, FFTW, BLAS, sndfile or soxr.
        .executableTarget(
            name: "moodctl",
            dependencies: ["MoodCore", "MoodSystem", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "moodd-web",
            dependencies: [
                "MoodCore", "MoodSystem", "MoodCLI", "MoodWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(name: "moodd-bench", dependencies: ["MoodCore", "MoodSystem", "MoodDSP", "MoodAudio", "MoodModel", "MoodTestKit"]),

        .testTarget(name: "MoodCoreTests", dependencies: ["MoodCore", "MoodTestKit"]),
        .testTarget(name: "MoodSystemTests", dependencies: ["MoodSystem", "MoodTestKit"]),
        .testTarget(name: "MoodDSPTests", dependencies: ["MoodDSP", "MoodCore", "MoodTestKit"]),
        .testTarget(name: "MoodAudioTests", dependencies: ["MoodAudio", "MoodSystem", "MoodCore", "MoodTestKit"]),
        .testTarget(name: "MoodModelTests", dependencies: ["MoodModel", "MoodDSP", "MoodSystem", "MoodCore", "MoodTestKit"]),
        .testTarget(name: "MoodLibraryTests", dependencies: ["MoodLibrary", "MoodCore", "MoodTestKit"]),
        .testTarget(name: "MoodServiceTests", dependencies: ["MoodService", "MoodSystem", "MoodCore", "MoodDSP", "MoodModel", "MoodTestKit"]),
        .testTarget(name: "mooddTests", dependencies: ["MoodCore", "MoodSystem", "MoodModel", "MoodTestKit"]),
        .testTarget(
            name: "MoodWebTests",
            dependencies: ["MoodWeb", "MoodCore", "MoodSystem", "MoodTestKit", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(name: "moodctlTests", dependencies: ["MoodCore", "MoodSystem", "MoodTestKit"]),
    ]
)
