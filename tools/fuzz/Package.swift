// swift-tools-version: 6.1
// Fuzz targets for nninfer (libFuzzer through `-sanitize=fuzzer,address`).
//
// A separate package so the main manifest stays free of unsafe flags: build and run the targets
// with `tools/fuzz/run TARGET SECONDS` (or `tools/fuzz/run all SECONDS`), which passes the
// sanitizer flags to every Swift and C module, the library under test included.
import PackageDescription

let package = Package(
    name: "nninfer-fuzz",
    dependencies: [.package(name: "nninfer", path: "../..")],
    targets: [
        // Shared helpers: turning a model into small run inputs, bounded options.
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "NNFormat", package: "nninfer"),
                .product(name: "NNRuntime", package: "nninfer"),
            ]),
        // (1) model bytes → ModelReader → InferenceSession → one bounded run.
        .executableTarget(
            name: "FuzzModel",
            dependencies: ["FuzzSupport", .product(name: "NNFormat", package: "nninfer"), .product(name: "NNRuntime", package: "nninfer")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        // (2) `.pb` TensorProto and `.npy` tensor files.
        .executableTarget(
            name: "FuzzTensor",
            dependencies: [.product(name: "NNFormat", package: "nninfer")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        // (3) PNG, JPEG and PNM decoding, then preprocessing.
        .executableTarget(
            name: "FuzzImage",
            dependencies: [.product(name: "NNImage", package: "nninfer")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ],
    swiftLanguageModes: [.v6]
)
