// swift-tools-version: 6.1
// nninfer's benchmarks: a separate package so the library stays free of benchmark code.
// Run through the scripts in tools/ (for example tools/bench-format).
import PackageDescription

let package = Package(
    name: "nninfer-benchmarks",
    dependencies: [.package(name: "nninfer", path: "../..")],
    targets: [
        .executableTarget(
            name: "bench-format",
            dependencies: [.product(name: "NNFormat", package: "nninfer")],
            path: "Sources/bench-format"),
        // Per-call overhead of the Swift API on a tiny model (run through tools/bench-api-overhead).
        .executableTarget(
            name: "bench-api-overhead",
            dependencies: [.product(name: "NNRuntime", package: "nninfer"), .product(name: "NNFormat", package: "nninfer")],
            path: "Sources/bench-api-overhead"),
    ],
    swiftLanguageModes: [.v6]
)
