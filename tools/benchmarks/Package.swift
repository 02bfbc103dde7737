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
    ],
    swiftLanguageModes: [.v6]
)
