// swift-tools-version:6.0
//
// moodd: real-time music mood recognition daemon for Linux.
// Layout and dependency direction: see docs/architecture.md.

import PackageDescription

/// One `[system]` target per C library, each found by pkg-config and installed by apt.
func systemLibrary(_ name: String, pkg: String, apt: String) -> Target {
    .systemLibrary(name: name, pkgConfig: pkg, providers: [.apt([apt])])
}

let package = Package(
    name: "moodd",
    products: [
        .executable(name: "moodd", targets: ["moodd"]),
        .executable(name: "moodd-bench", targets: ["moodd-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        systemLibrary("CALSA", pkg: "alsa", apt: "libasound2-dev"),
        systemLibrary("CPulseSimple", pkg: "libpulse-simple", apt: "libpulse-dev"),
        systemLibrary("CFFTW3f", pkg: "fftw3f", apt: "libfftw3-dev"),
        systemLibrary("COpenBLAS", pkg: "openblas", apt: "libopenblas-dev"),
        systemLibrary("CSndfile", pkg: "sndfile", apt: "libsndfile1-dev"),
        systemLibrary("CSoxr", pkg: "soxr", apt: "libsoxr-dev"),

        .target(name: "MoodCore"),
        .target(name: "MoodDSP", dependencies: ["CFFTW3f"]),
        .target(name: "MoodAudio", dependencies: ["MoodCore", "CSndfile", "CSoxr"]),
        .target(name: "MoodModel", dependencies: ["MoodCore", "COpenBLAS"]),
        .target(name: "MoodTestKit", dependencies: ["MoodCore"]),

        .executableTarget(
            name: "moodd",
            dependencies: [
                "MoodCore", "MoodDSP", "MoodAudio",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "moodd-bench", dependencies: ["MoodCore", "MoodDSP", "MoodAudio"]),

        .testTarget(name: "MoodCoreTests", dependencies: ["MoodCore", "MoodTestKit"]),
        .testTarget(name: "MoodDSPTests", dependencies: ["MoodDSP", "MoodCore", "MoodTestKit"]),
        .testTarget(name: "MoodAudioTests", dependencies: ["MoodAudio", "MoodCore", "MoodTestKit"]),
        .testTarget(name: "MoodModelTests", dependencies: ["MoodModel", "MoodCore", "MoodTestKit"]),
        .testTarget(name: "mooddTests", dependencies: ["MoodCore", "MoodTestKit"]),
    ]
)
