/// How a model or tensor file is read: size limits and the external-data policy.
public struct ReadOptions: Sendable, Equatable {
    /// Upper bounds checked before anything of that size is allocated.
    public struct Limits: Sendable, Equatable {
        /// The largest file (or byte buffer) accepted.
        public var maxFileBytes: Int = 4 << 30
        /// The largest total of tensor data bytes in one model (inline and external).
        public var maxTotalTensorBytes: Int = 16 << 30
        /// The most elements one tensor may declare.
        public var maxTensorElements: Int = 1 << 32
        /// The most nodes in one model, counting subgraphs.
        public var maxNodes: Int = 1_000_000
        /// The deepest nesting of subgraphs (If/Loop bodies).
        public var maxGraphDepth: Int = 64
        /// The largest single dimension value.
        public var maxDimension: Int = 1 << 40
        /// The longest name or string attribute in bytes.
        public var maxStringBytes: Int = 1 << 20

        /// The default limits: generous for real models, far below what would exhaust memory.
        public init() {}
    }

    /// Whether tensors may load their data from files beside the model.
    public enum ExternalData: Sendable, Equatable {
        /// External data is refused with an error naming the tensor.
        case deny
        /// External data may be read from files inside this directory (symlinks resolved).
        case allow(directory: String)
        /// External data may be read from files inside the directory of the model file being read
        /// (for bytes read from memory this is the same as `.deny`).
        case allowModelDirectory
    }

    /// The size limits.
    public var limits: Limits
    /// The external-data policy; `.deny` unless the caller allows a directory.
    public var externalData: ExternalData

    /// Creates options. External data is refused unless allowed.
    public init(limits: Limits = Limits(), externalData: ExternalData = .deny) {
        self.limits = limits
        self.externalData = externalData
    }
}
