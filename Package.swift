// swift-tools-version: 6.1
// nninfer: an ONNX-compatible model format, a CPU inference runtime for CNNs, and the tools around them.
import PackageDescription

let releaseNDEBUG: [CSetting] = [.define("NDEBUG", .when(configuration: .release))]

let package = Package(
    name: "nninfer",
    products: [
        .library(name: "NNFormat", targets: ["NNFormat"]),
        .library(name: "NNRuntime", targets: ["NNRuntime"]),
        .library(name: "NNImage", targets: ["NNImage"]),
        .library(name: "NNTrain", targets: ["NNTrain"]),
        .executable(name: "nninfer", targets: ["nninfer"]),
        // The C API (Sources/CNNInferAPI/include/nninfer.h) as a shared library: libnninfer_c.so.
        .library(name: "nninfer_c", type: .dynamic, targets: ["NNInferC"]),
        .executable(name: "nntrain", targets: ["nntrain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation` (tools/docs); a plugin, not linked into anything.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        // System libraries, found through pkg-config (Debian packages named in `providers`).
        .systemLibrary(
            name: "CProtobufC", pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]),
        .systemLibrary(
            name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // protoc-c output for tools/proto/onnx_subset.proto (regenerate with tools/generate-proto).
        .target(
            name: "CONNXProto", dependencies: ["CProtobufC"], cSettings: releaseNDEBUG,
            linkerSettings: [.linkedLibrary("protobuf-c")]),
        // The model format: Swift value types, reader, writer, serializer API.
        .target(name: "NNFormat", dependencies: ["CONNXProto"]),

        // Hot loops in C with AVX2/FMA variants chosen at run time and portable fallbacks.
        .target(name: "CKernels", cSettings: releaseNDEBUG, linkerSettings: [.linkedLibrary("m")]),
        // The inference runtime.
        .target(name: "NNRuntime", dependencies: ["NNFormat", "CKernels"]),

        // The C API: the header nninfer.h (plus the thread-local error in C), implemented in Swift.
        .target(name: "CNNInferAPI"),
        .target(name: "NNInferC", dependencies: ["CNNInferAPI", "NNRuntime", "NNFormat"]),

        // Image decoding (libpng, libjpeg through a setjmp-safe C shim, PNM) and preprocessing.
        .target(
            name: "CImageCodecs", dependencies: ["CPNG", "CJPEG"], cSettings: releaseNDEBUG,
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]),
        .target(name: "NNImage", dependencies: ["CImageCodecs"]),

        // Training with training semantics, exporting through NNFormat.
        .target(
            name: "NNTrain", dependencies: ["NNFormat", "NNRuntime", "CKernels", "NNImage", "CZlib"],
            linkerSettings: [.linkedLibrary("z")]),

        .executableTarget(
            name: "nninfer",
            dependencies: [
                "NNFormat", "NNRuntime", "NNImage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "nntrain",
            dependencies: [
                "NNFormat", "NNTrain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Test support shared by the test targets (deterministic random data).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "NNFormatTests", dependencies: ["NNFormat", "TestSupport"]),
        .testTarget(name: "CKernelsTests", dependencies: ["CKernels"]),
        // Test support: counts heap allocations (interposes malloc in the test executable).
        .target(name: "CAllocationCounter", path: "Tests/CAllocationCounter"),
        .testTarget(name: "NNRuntimeTests", dependencies: ["NNRuntime", "NNFormat", "CKernels", "CAllocationCounter", "TestSupport"]),
        .testTarget(name: "NNImageTests", dependencies: ["NNImage", "CImageCodecs"]),
        .testTarget(name: "NNTrainTests", dependencies: ["NNTrain", "NNRuntime", "NNFormat"]),
        // End-to-end tests of the built `nninfer` binary (fixtures written with NNFormat and NNImage;
        // CImageCodecs for the PNG flavours and CMYK JPEG that NNImage's encoders do not write).
        .testTarget(name: "NNInferCLITests", dependencies: ["NNFormat", "NNImage", "CImageCodecs"]),
        // The Swift and C embedding APIs: concurrency, caller buffers, every C error path.
        .testTarget(name: "NNInferEmbeddingTests", dependencies: ["NNInferC", "CNNInferAPI", "NNRuntime", "NNFormat"]),
    ],
    swiftLanguageModes: [.v6]
)
