import NNFormat
import NNRuntime

/// Small models built in code for the embedding tests.
enum Models {
    /// Deterministic values in [-0.5, 0.5).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) - 0.5
        }
    }

    /// A tiny classifier: input "input" [N, 3, 8, 8] → output "logits" [N, 10], with conv, BN,
    /// ReLU, max pool, dropout, global pool and a fully connected layer.
    static func classifier() throws -> Model {
        var net = NetworkBuilder(name: "classifier", channels: 3, height: 8, width: 8)
        try net.conv2d(outChannels: 8, kernel: 3, padding: 1, weight: values(8 * 27, seed: 1), bias: values(8, seed: 2))
        try net.batchNorm(
            scale: values(8, seed: 3).map { $0 + 1 }, bias: values(8, seed: 4),
            runningMean: values(8, seed: 5), runningVariance: values(8, seed: 6).map { $0 + 1 })
        net.relu()
        try net.maxPool2d(kernel: 2)
        try net.dropout(rate: 0.5)
        try net.globalAveragePool()
        net.flatten()
        try net.linear(outFeatures: 10, weight: values(80, seed: 7), bias: values(10, seed: 8))
        return try net.build(outputName: "logits", metadata: ModelMetadata(labels: (0..<10).map { "class\($0)" }))
    }

    static let classifierInputCount = 3 * 8 * 8

    /// Two float inputs "a" [N, 4] and "b" [N, 4]; outputs "sum" = a + b and "positive" = relu(a).
    static func twoInputs() -> Model {
        var graph = Graph(name: "two-inputs")
        graph.inputs = [
            ValueInfo(name: "a", elementType: .float, shape: [.symbol("N"), .value(4)]),
            ValueInfo(name: "b", elementType: .float, shape: [.symbol("N"), .value(4)]),
        ]
        graph.outputs = [
            ValueInfo(name: "sum", elementType: .float, shape: [.symbol("N"), .value(4)]),
            ValueInfo(name: "positive", elementType: .float, shape: [.symbol("N"), .value(4)]),
        ]
        graph.nodes = [
            Node(name: "add", opType: "Add", inputs: ["a", "b"], outputs: ["sum"]),
            Node(name: "relu", opType: "Relu", inputs: ["a"], outputs: ["positive"]),
        ]
        return Model(irVersion: Model.defaultIRVersion, opsetImports: [OpsetID(version: 17)], graph: graph)
    }

    /// One float input "x" [N, 2] reshaped by the int64 input "shape" (values decide the output shape).
    static func int64Input() -> Model {
        var graph = Graph(name: "reshape")
        graph.inputs = [
            ValueInfo(name: "x", elementType: .float, shape: [.symbol("N"), .value(2)]),
            ValueInfo(name: "shape", elementType: .int64, shape: [.value(2)]),
        ]
        graph.outputs = [ValueInfo(name: "y", type: TensorType(elementType: .float, shape: nil))]
        graph.nodes = [Node(name: "reshape", opType: "Reshape", inputs: ["x", "shape"], outputs: ["y"])]
        return Model(irVersion: Model.defaultIRVersion, opsetImports: [OpsetID(version: 17)], graph: graph)
    }

    /// A model with an operator no runtime knows.
    static func unsupported() -> Model {
        var graph = Graph(name: "unsupported")
        graph.inputs = [ValueInfo(name: "x", elementType: .float, shape: [.value(1)])]
        graph.outputs = [ValueInfo(name: "y", elementType: .float, shape: [.value(1)])]
        graph.nodes = [Node(name: "mystery", opType: "NoSuchOperator", inputs: ["x"], outputs: ["y"])]
        return Model(irVersion: Model.defaultIRVersion, opsetImports: [OpsetID(version: 17)], graph: graph)
    }

    /// The classifier input for image `index` of a batch: distinct, deterministic values.
    static func image(_ index: Int) -> [Float] { values(classifierInputCount, seed: 1000 + UInt64(index)) }
}
