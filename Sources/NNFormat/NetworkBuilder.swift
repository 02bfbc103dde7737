/// Describes a trained network layer by layer and writes it as a standard ONNX model.
///
/// Layers go in any order the network was trained with (BatchNorm before or after ReLU, Dropout
/// before or after the activation). BatchNormalization carries its running statistics, Dropout its
/// rate in inference form; the runtime applies eval semantics.
///
/// ```swift
/// var net = NetworkBuilder(name: "lenet", channels: 1, height: 28, width: 28)
/// try net.conv2d(outChannels: 20, kernel: 5, weight: w1, bias: b1)
/// try net.batchNorm(scale: g, bias: b, runningMean: m, runningVariance: v)
/// net.relu()
/// ...
/// let model = try net.build(metadata: ModelMetadata(labels: digits))
/// ```
public struct NetworkBuilder: Sendable {
    /// A value in the network that a later layer can refer to (for residual connections).
    public struct Value: Sendable, Equatable {
        /// The ONNX value name.
        public let name: String
        /// Its shape without the batch dimension: `[C, H, W]` for feature maps, `[F]` after Flatten.
        public let shape: [Int]
    }

    /// Errors are `FormatError.invalidModel` naming the layer and the mismatch.
    private(set) var graph: Graph
    private var counters: [String: Int] = [:]
    /// The network's current output.
    public private(set) var current: Value
    /// The opset the emitted nodes follow.
    public static let opset: Int64 = 17

    /// Starts a network whose input is an image batch `[N, channels, height, width]`.
    public init(name: String, inputName: String = "input", channels: Int, height: Int, width: Int) {
        graph = Graph(name: name)
        graph.inputs = [ValueInfo(name: inputName, elementType: .float, shape: [.symbol("N"), .value(channels), .value(height), .value(width)])]
        current = Value(name: inputName, shape: [channels, height, width])
    }

    /// Starts a network whose input is a batch of feature vectors `[N, features]`.
    public init(name: String, inputName: String = "input", features: Int) {
        graph = Graph(name: name)
        graph.inputs = [ValueInfo(name: inputName, elementType: .float, shape: [.symbol("N"), .value(features)])]
        current = Value(name: inputName, shape: [features])
    }

    private mutating func nextName(_ kind: String) -> String {
        let n = (counters[kind] ?? 0) + 1
        counters[kind] = n
        return "\(kind)\(n)"
    }

    private func fail(_ layer: String, _ detail: String) -> FormatError {
        .invalidModel(source: graph.name, context: "layer '\(layer)'", detail: detail)
    }

    private mutating func weight(_ name: String, _ dims: [Int], _ values: [Float], layer: String) throws(FormatError) -> String {
        let count = dims.reduce(1, *)
        guard values.count == count else {
            throw fail(layer, "\(FileIO.baseName(of: name)) needs \(count) values for shape \(dims), got \(values.count)")
        }
        graph.initializers.append(TensorData(name: name, dims: dims, floats: values))
        return name
    }

    private mutating func emit(_ kind: String, _ op: String, inputs: [String], shape: [Int], attributes: [String: Attribute] = [:], name: String? = nil) {
        let nodeName = name ?? nextName(kind)
        let out = nodeName
        graph.nodes.append(Node(name: nodeName, opType: op, inputs: inputs, outputs: [out], attributes: attributes))
        current = Value(name: out, shape: shape)
    }

    private func spatial(_ layer: String) throws(FormatError) -> (c: Int, h: Int, w: Int) {
        guard current.shape.count == 3 else { throw fail(layer, "needs a feature map [C, H, W] input, the network's current value is \(current.shape)") }
        return (current.shape[0], current.shape[1], current.shape[2])
    }

    private static func outSize(_ input: Int, kernel: Int, stride: Int, padding: Int, dilation: Int = 1, ceil: Bool = false) -> Int {
        let span = input + 2 * padding - dilation * (kernel - 1) - 1
        return (ceil ? (span + stride - 1) / stride : span / stride) + 1
    }

    /// A 2-D convolution (PyTorch's Conv2d); `weight` is `[outChannels, inChannels/groups, k, k]` row-major.
    public mutating func conv2d(
        outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1,
        weight: [Float], bias: [Float]? = nil
    ) throws(FormatError) {
        let name = nextName("conv")
        let (c, h, w) = try spatial(name)
        guard groups >= 1, c % groups == 0, outChannels % groups == 0 else {
            throw fail(name, "groups \(groups) must divide the \(c) input and \(outChannels) output channels")
        }
        var inputs = [current.name, try self.weight("\(name).weight", [outChannels, c / groups, kernel, kernel], weight, layer: name)]
        if let bias { inputs.append(try self.weight("\(name).bias", [outChannels], bias, layer: name)) }
        let oh = Self.outSize(h, kernel: kernel, stride: stride, padding: padding, dilation: dilation)
        let ow = Self.outSize(w, kernel: kernel, stride: stride, padding: padding, dilation: dilation)
        guard oh > 0, ow > 0 else { throw fail(name, "a \(kernel)×\(kernel) kernel does not fit the \(h)×\(w) input") }
        emit("conv", "Conv", inputs: inputs, shape: [outChannels, oh, ow], attributes: [
            "kernel_shape": .ints([Int64(kernel), Int64(kernel)]), "strides": .ints([Int64(stride), Int64(stride)]),
            "pads": .ints(Array(repeating: Int64(padding), count: 4)), "dilations": .ints([Int64(dilation), Int64(dilation)]),
            "group": .int(Int64(groups)),
        ], name: name)
    }

    /// Batch normalization over channels (BatchNorm2d on feature maps, BatchNorm1d on features).
    ///
    /// `momentum` follows ONNX's convention (the weight of the old running value; PyTorch's 0.1 is 0.9 here).
    public mutating func batchNorm(
        scale: [Float], bias: [Float], runningMean: [Float], runningVariance: [Float], epsilon: Float = 1e-5, momentum: Float = 0.9
    ) throws(FormatError) {
        let name = nextName("bn")
        guard let c = current.shape.first else { throw fail(name, "needs an input with channels") }
        let inputs = [
            current.name, try weight("\(name).weight", [c], scale, layer: name), try weight("\(name).bias", [c], bias, layer: name),
            try weight("\(name).running_mean", [c], runningMean, layer: name), try weight("\(name).running_var", [c], runningVariance, layer: name),
        ]
        emit("bn", "BatchNormalization", inputs: inputs, shape: current.shape, attributes: ["epsilon": .float(epsilon), "momentum": .float(momentum)], name: name)
    }

    /// ReLU.
    public mutating func relu() { emit("relu", "Relu", inputs: [current.name], shape: current.shape) }
    /// LeakyReLU with negative slope `alpha`.
    public mutating func leakyRelu(alpha: Float = 0.01) {
        emit("leakyrelu", "LeakyRelu", inputs: [current.name], shape: current.shape, attributes: ["alpha": .float(alpha)])
    }
    /// Sigmoid.
    public mutating func sigmoid() { emit("sigmoid", "Sigmoid", inputs: [current.name], shape: current.shape) }
    /// Tanh.
    public mutating func tanh() { emit("tanh", "Tanh", inputs: [current.name], shape: current.shape) }

    /// Dropout with drop probability `rate`, written in inference form (no mask output, no training mode).
    public mutating func dropout(rate: Float) throws(FormatError) {
        let name = nextName("dropout")
        guard rate >= 0, rate < 1 else { throw fail(name, "rate \(rate) must be in [0, 1)") }
        graph.initializers.append(TensorData(name: "\(name).ratio", elementType: .float, dims: [], storage: .float([rate])))
        emit("dropout", "Dropout", inputs: [current.name, "\(name).ratio"], shape: current.shape, name: name)
    }

    /// A fully connected layer (PyTorch's Linear): `weight` is `[outFeatures, inFeatures]`, emitted as Gemm with transB.
    public mutating func linear(outFeatures: Int, weight: [Float], bias: [Float]? = nil) throws(FormatError) {
        let name = nextName("fc")
        guard current.shape.count == 1 else { throw fail(name, "needs a flat [features] input (add flatten()), the network's current value is \(current.shape)") }
        var inputs = [current.name, try self.weight("\(name).weight", [outFeatures, current.shape[0]], weight, layer: name)]
        if let bias { inputs.append(try self.weight("\(name).bias", [outFeatures], bias, layer: name)) }
        emit("fc", "Gemm", inputs: inputs, shape: [outFeatures], attributes: ["transB": .int(1)], name: name)
    }

    private mutating func pool(_ kind: String, _ op: String, kernel: Int, stride: Int?, padding: Int, ceilMode: Bool, extra: [String: Attribute]) throws(FormatError) {
        let name = nextName(kind)
        let (c, h, w) = try spatial(name)
        let s = stride ?? kernel
        let oh = Self.outSize(h, kernel: kernel, stride: s, padding: padding, ceil: ceilMode)
        let ow = Self.outSize(w, kernel: kernel, stride: s, padding: padding, ceil: ceilMode)
        guard oh > 0, ow > 0 else { throw fail(name, "a \(kernel)×\(kernel) window does not fit the \(h)×\(w) input") }
        var attributes = extra
        attributes["kernel_shape"] = .ints([Int64(kernel), Int64(kernel)])
        attributes["strides"] = .ints([Int64(s), Int64(s)])
        attributes["pads"] = .ints(Array(repeating: Int64(padding), count: 4))
        if ceilMode { attributes["ceil_mode"] = .int(1) }
        emit(kind, op, inputs: [current.name], shape: [c, oh, ow], attributes: attributes, name: name)
    }

    /// Max pooling with a square window (stride defaults to the window size).
    public mutating func maxPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false) throws(FormatError) {
        try pool("maxpool", "MaxPool", kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode, extra: [:])
    }

    /// Average pooling with a square window; padding counts toward the average when `countIncludePad`.
    public mutating func avgPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false, countIncludePad: Bool = false) throws(FormatError) {
        try pool("avgpool", "AveragePool", kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode,
                 extra: countIncludePad ? ["count_include_pad": .int(1)] : [:])
    }

    /// Global average pooling: `[C, H, W]` → `[C, 1, 1]`.
    public mutating func globalAveragePool() throws(FormatError) {
        let name = nextName("gap")
        let (c, _, _) = try spatial(name)
        emit("gap", "GlobalAveragePool", inputs: [current.name], shape: [c, 1, 1], name: name)
    }

    /// Flattens everything after the batch dimension.
    public mutating func flatten() {
        emit("flatten", "Flatten", inputs: [current.name], shape: [current.shape.reduce(1, *)], attributes: ["axis": .int(1)])
    }

    /// Adds `other` to the current value elementwise (a residual connection); shapes must match.
    public mutating func add(_ other: Value) throws(FormatError) {
        let name = nextName("add")
        guard other.shape == current.shape else { throw fail(name, "cannot add \(other.shape) to \(current.shape)") }
        emit("add", "Add", inputs: [current.name, other.name], shape: current.shape, name: name)
    }

    /// Softmax over the features (the output becomes probabilities).
    public mutating func softmax() {
        emit("softmax", "Softmax", inputs: [current.name], shape: current.shape, attributes: ["axis": .int(1)])
    }

    /// Makes `value` the current value again (to start a second branch from it).
    public mutating func use(_ value: Value) { current = value }

    /// Finishes the network: the current value becomes the graph output `outputName`.
    public func build(
        outputName: String = "output", metadata: ModelMetadata? = nil, producerName: String = "nninfer", producerVersion: String = "0.1.0",
        docString: String = ""
    ) throws(FormatError) -> Model {
        var g = graph
        guard let last = g.nodes.lastIndex(where: { $0.outputs.contains(current.name) }) else {
            throw fail(graph.name, "the network has no layers")
        }
        // Rename the current value so the graph output reads well in Netron and ONNX Runtime.
        let old = current.name
        for i in g.nodes.indices {
            g.nodes[i].inputs = g.nodes[i].inputs.map { $0 == old ? outputName : $0 }
            g.nodes[i].outputs = g.nodes[i].outputs.map { $0 == old ? outputName : $0 }
        }
        g.outputs = [ValueInfo(name: outputName, elementType: .float, shape: [.symbol("N")] + current.shape.map { .value($0) })]
        var model = Model(
            irVersion: Model.defaultIRVersion, opsetImports: [OpsetID(version: Self.opset)], producerName: producerName,
            producerVersion: producerVersion, docString: docString, graph: g)
        var meta = metadata ?? ModelMetadata()
        if meta.output == nil { meta.output = g.nodes[last].opType == "Softmax" ? "probabilities" : "logits" }
        meta.apply(to: &model)
        try ModelValidator.validate(model, source: graph.name)
        return model
    }
}
