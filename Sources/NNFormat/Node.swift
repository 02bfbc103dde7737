/// One operator application in a graph: ONNX's `NodeProto`.
public struct Node: Sendable, Equatable {
    /// The node's name (may be empty in files; the reader does not invent names).
    public var name: String
    /// The operator, e.g. `Conv`.
    public var opType: String
    /// The operator set domain; `""` is the default ONNX domain.
    public var domain: String
    /// Input value names in order; `""` marks an omitted optional input.
    public var inputs: [String]
    /// Output value names in order; `""` marks an omitted optional output.
    public var outputs: [String]
    /// Attributes by name.
    public var attributes: [String: Attribute]
    /// A human-readable description.
    public var docString: String

    /// Creates a node.
    public init(
        name: String = "", opType: String, domain: String = "", inputs: [String], outputs: [String],
        attributes: [String: Attribute] = [:], docString: String = ""
    ) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.docString = docString
    }

    /// A name for messages: the node's name, or its op type and first output when it has none.
    public var displayName: String {
        if !name.isEmpty { return name }
        return "\(opType) node producing '\(outputs.first ?? "")'"
    }
}
