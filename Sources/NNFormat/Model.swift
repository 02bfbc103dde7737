/// An operator set a model uses: ONNX's `OperatorSetIdProto`.
public struct OpsetID: Sendable, Hashable {
    /// The domain; `""` (or `ai.onnx`) is the default ONNX domain.
    public var domain: String
    /// The operator set version.
    public var version: Int64

    /// Creates an operator set reference.
    public init(domain: String = "", version: Int64) {
        self.domain = domain
        self.version = version
    }
}

/// A key/value metadata entry: ONNX's `StringStringEntryProto`.
public struct MetadataEntry: Sendable, Hashable {
    /// The key.
    public var key: String
    /// The value.
    public var value: String

    /// Creates an entry.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// A whole model file: ONNX's `ModelProto`, as plain Swift values.
public struct Model: Sendable, Equatable {
    /// The ONNX IR version the file follows.
    public var irVersion: Int64
    /// The operator sets the graph uses.
    public var opsetImports: [OpsetID]
    /// The program that wrote the file.
    public var producerName: String
    /// Its version.
    public var producerVersion: String
    /// A reverse-DNS domain for the model.
    public var domain: String
    /// The model's own version number.
    public var modelVersion: Int64
    /// A human-readable description.
    public var docString: String
    /// The main graph.
    public var graph: Graph
    /// Metadata entries in file order (nninfer's conventions use keys prefixed `nninfer.`).
    public var metadata: [MetadataEntry]

    /// The IR version this library writes by default (ONNX 1.14+, opset 19 era).
    public static let defaultIRVersion: Int64 = 8

    /// Creates a model.
    public init(
        irVersion: Int64 = Model.defaultIRVersion, opsetImports: [OpsetID] = [OpsetID(version: 17)],
        producerName: String = "", producerVersion: String = "", domain: String = "", modelVersion: Int64 = 0,
        docString: String = "", graph: Graph, metadata: [MetadataEntry] = []
    ) {
        self.irVersion = irVersion
        self.opsetImports = opsetImports
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.domain = domain
        self.modelVersion = modelVersion
        self.docString = docString
        self.graph = graph
        self.metadata = metadata
    }

    /// The version of the default ONNX operator set this model imports, if any.
    public var defaultOpsetVersion: Int64? {
        opsetImports.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version
    }

    /// The value of the first metadata entry with `key`; setting replaces it (or appends; `nil` removes).
    public subscript(metadata key: String) -> String? {
        get { metadata.first { $0.key == key }?.value }
        set {
            if let value = newValue {
                if let i = metadata.firstIndex(where: { $0.key == key }) {
                    metadata[i].value = value
                } else {
                    metadata.append(MetadataEntry(key: key, value: value))
                }
            } else {
                metadata.removeAll { $0.key == key }
            }
        }
    }
}
