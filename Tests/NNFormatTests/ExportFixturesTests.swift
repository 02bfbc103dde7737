import Foundation
import Testing
import NNFormat

/// Writes the builder's models where `NNINFER_EXPORT_DIR` points, for `tools/check-interop`
/// (ONNX checker + ONNX Runtime) in the test command. Without the variable it only checks that
/// the files serialize.
@Test func exportBuilderModelsForInteropCheck() throws {
    let models = [
        ("lenet-bn-before-relu", try Fixtures.lenet(bnAfterReLU: false)),
        ("lenet-bn-after-relu", try Fixtures.lenet(bnAfterReLU: true)),
        ("tiny-resnet", try Fixtures.tinyResNet()),
    ]
    let dir = ProcessInfo.processInfo.environment["NNINFER_EXPORT_DIR"]
    for (name, model) in models {
        let bytes = try ModelWriter.serialize(model)
        #expect(bytes.count > 1000)
        if let dir { try ModelWriter.write(model, to: "\(dir)/\(name).onnx") }
    }
}
