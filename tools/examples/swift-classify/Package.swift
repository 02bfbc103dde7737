// swift-tools-version: 6.1
// An example program that embeds the nninfer runtime, depending on the main package by path
// exactly as another project would depend on it by URL and version:
//     .package(url: "https://…/nninfer.git", from: "0.1.0")
import PackageDescription

let package = Package(
    name: "swift-classify",
    dependencies: [
        .package(name: "nninfer", path: "../../.."),
    ],
    targets: [
        .executableTarget(
            name: "swift-classify",
            dependencies: [
                .product(name: "NNRuntime", package: "nninfer"),
                .product(name: "NNFormat", package: "nninfer"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
