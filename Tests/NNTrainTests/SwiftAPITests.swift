import NNFormat
import Testing
@testable import NNTrain

/// The library API without SPEC strings: networks from layer values or layer objects, exported with metadata.
@Suite struct SwiftAPITests {
    @Test func networkFromLayerValuesMatchesTheSpec() throws {
        let values: [LayerSpec] = [.conv(kernel: 3, channels: 4, padding: 1), .batchNorm, .relu, .maxPool(kernel: 2), .flatten, .dropout(rate: 0.5), .linear(features: 3)]
        let a = try Network(layerSpecs: values, inputShape: [1, 6, 6], seed: 7)
        let b = try Network(spec: "conv3x3-4p1,bn,relu,maxpool2,flatten,dropout0.5,fc3", inputShape: [1, 6, 6], seed: 7)
        #expect(a.parameters.map(\.value) == b.parameters.map(\.value))
        #expect(a.outputShape == [3] && a.parameterCount == 4 * 9 + 4 + 8 + 36 * 3 + 3)
    }

    @Test func networkFromLayerObjectsExportsWithMetadata() throws {
        var rng = SeededGenerator(seed: 1)
        let fc1 = try Linear(name: "hidden", inputShape: [4], outFeatures: 5, rng: &rng)
        let layers: [any Layer] = [
            fc1, try BatchNorm(name: "norm", inputShape: [5]), Rectifier(name: "act", inputShape: [5], slope: 0.1),
            try Dropout(name: "drop", inputShape: [5], rate: 0.2, rng: rng.derived(1)),
            try Linear(name: "out", inputShape: [5], outFeatures: 2, rng: &rng),
        ]
        let net = try Network(layers: layers, inputShape: [4])
        let model = try net.exportModel(name: "mlp", metadata: ModelMetadata(labels: ["no", "yes"], training: ["epochs": "0"]))
        #expect(model.graph.nodes.map(\.opType) == ["Gemm", "BatchNormalization", "LeakyRelu", "Dropout", "Gemm"])
        let meta = try ModelMetadata(from: model)
        #expect(meta.labels == ["no", "yes"] && meta.training?["epochs"] == "0" && meta.output == "logits")
        #expect(throws: TrainError.self) { try Network(layers: [fc1], inputShape: [3]) }
    }
}
