/// A computation graph: ONNX's `GraphProto`.
public struct Graph: Sendable, Equatable {
    /// The graph's name.
    public var name: String
    /// Nodes in topological order.
    public var nodes: [Node]
    /// Constant tensors (weights); a graph input with the same name takes this as its default.
    public var initializers: [TensorData]
    /// Declared inputs (may include initializers, as older exporters write them).
    public var inputs: [ValueInfo]
    /// Declared outputs.
    public var outputs: [ValueInfo]
    /// Declarations of intermediate values.
    public var valueInfo: [ValueInfo]
    /// A human-readable description.
    public var docString: String

    /// Creates a graph.
    public init(
        name: String = "", nodes: [Node] = [], initializers: [TensorData] = [], inputs: [ValueInfo] = [],
        outputs: [ValueInfo] = [], valueInfo: [ValueInfo] = [], docString: String = ""
    ) {
        self.name = name
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.outputs = outputs
        self.valueInfo = valueInfo
        self.docString = docString
    }

    /// The inputs a caller must feed: declared inputs that no initializer provides.
    public var feedInputs: [ValueInfo] {
        let constant = Set(initializers.map(\.name))
        return inputs.filter { !constant.contains($0.name) }
    }
}
