import NNFormat
import Testing

/// Small models built with NetworkBuilder (random weights, fixed seed) for the end-to-end tests:
/// small enough that a debug build of the runtime classifies them at once.
enum ModelFixtures {
    static let labels = ["cat", "dog", "bird", "fish", "horse"]

    /// A deterministic generator of weights in [-0.5, 0.5).
    struct Weights {
        var state: UInt64
        mutating func next(_ count: Int) -> [Float] {
            (0..<count).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(state >> 40) / Float(1 << 24) - 0.5
            }
        }
    }

    /// conv3x3-4, BN, ReLU, maxpool2, flatten, fc5 on a `channels`×`size`×`size` input.
    static func network(channels: Int, size: Int = 12, metadata: ModelMetadata? = nil, seed: UInt64 = 7, softmax: Bool = false) throws -> Model {
        var w = Weights(state: seed)
        var net = NetworkBuilder(name: "tiny", channels: channels, height: size, width: size)
        try net.conv2d(outChannels: 4, kernel: 3, padding: 1, weight: w.next(4 * channels * 9), bias: w.next(4))
        try net.batchNorm(scale: [1, 0.9, 1.1, 1], bias: [0, 0.1, -0.1, 0], runningMean: [0, 0.05, 0, -0.05], runningVariance: [1, 1.2, 0.8, 1])
        net.relu()
        try net.maxPool2d(kernel: 2)
        net.flatten()
        let features = 4 * (size / 2) * (size / 2)
        try net.linear(outFeatures: 5, weight: w.next(5 * features).map { $0 * 8 }, bias: w.next(5))
        if softmax { net.softmax() }
        return try net.build(metadata: metadata)
    }

    /// Writes `model` to `directory/name` and returns the path.
    static func write(_ model: Model, to directory: String, name: String) throws -> String {
        let path = directory + "/" + name
        try ModelWriter.write(model, to: path)
        return path
    }

    /// A gray 12×12 model without preprocessing metadata or labels.
    static func plainGray(in directory: String) throws -> String {
        var model = try network(channels: 1)
        model.metadata.removeAll { $0.key == ModelMetadata.Key.preprocess || $0.key == ModelMetadata.Key.labels }
        return try write(model, to: directory, name: "gray.onnx")
    }

    /// An RGB 12×12 model with labels, ImageNet-style normalization and `output: logits`.
    static func annotatedRGB(in directory: String) throws -> String {
        let pre = InputPreprocessing(color: "rgb", width: 12, height: 12, resize: "shorter_side_crop", resizeShorter: 14,
                                     scale: 1.0 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], layout: "NCHW")
        let model = try network(channels: 3, metadata: ModelMetadata(labels: labels, preprocessing: pre, output: "logits", training: ["dataset": "synthetic"]))
        return try write(model, to: directory, name: "rgb.onnx")
    }

    /// The gray model with its first ReLU turned into an operator the runtime lacks (Erf).
    static func unsupported(in directory: String) throws -> String {
        var model = try network(channels: 1)
        let index = try #require(model.graph.nodes.firstIndex { $0.opType == "Relu" })
        model.graph.nodes[index].opType = "Erf"
        return try write(model, to: directory, name: "erf.onnx")
    }

    /// The gray model ending in Softmax (metadata `output: probabilities`, set by NetworkBuilder).
    static func softmaxGray(in directory: String) throws -> String {
        var model = try network(channels: 1, softmax: true)
        model.metadata.removeAll { $0.key == ModelMetadata.Key.preprocess }
        return try write(model, to: directory, name: "softmax.onnx")
    }

    /// The gray model with its BatchNormalization asking for training behaviour (training_mode=1).
    static func trainingModeBN(in directory: String) throws -> String {
        var model = try network(channels: 1)
        let index = try #require(model.graph.nodes.firstIndex { $0.opType == "BatchNormalization" })
        model.graph.nodes[index].attributes["training_mode"] = .int(1)
        return try write(model, to: directory, name: "training_bn.onnx")
    }
}
