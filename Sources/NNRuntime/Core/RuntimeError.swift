import NNFormat

/// Everything that can go wrong creating or running a session.
public enum RuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The model file could not be read.
    case format(FormatError)
    /// Operators (or attribute/type combinations) this runtime does not support; all of them, each
    /// with its node, collected at session creation.
    case unsupported([UnsupportedNode])
    /// A node's attributes or inputs are invalid for its operator.
    case invalidNode(node: String, opType: String, detail: String)
    /// Shapes that do not fit together (at plan time, for the given input shapes).
    case shapeMismatch(node: String, detail: String)
    /// An input given to `run` is wrong: unknown name, missing, wrong type or shape.
    case invalidInput(name: String, detail: String)
    /// An internal limit was exceeded (tensor too large for the plan).
    case limitExceeded(what: String, value: Int, limit: Int)
    /// The system refused memory the plan needs (below `SessionOptions.maxMemoryBytes`, but more
    /// than the machine would give).
    case outOfMemory(what: String, bytes: Int)

    /// One unsupported node.
    public struct UnsupportedNode: Sendable, Equatable, CustomStringConvertible {
        /// The node's name (or a description when it has none).
        public var node: String
        /// The operator type, e.g. `NonMaxSuppression`.
        public var opType: String
        /// The operator set domain; empty for the default ONNX domain.
        public var domain: String
        /// The opset version the model imports for that domain.
        public var opset: Int64
        /// Why it is unsupported (unknown operator, attribute value, element type, ...).
        public var reason: String
        /// One line: the node, the operator with its domain and opset, and the reason.
        public var description: String {
            "node '\(node)': \(domain.isEmpty ? "" : domain + ".")\(opType) (opset \(opset)): \(reason)"
        }
    }

    /// A message a person can act on, naming the node, input or limit concerned.
    public var description: String {
        switch self {
        case .format(let e): return e.description
        case .unsupported(let nodes):
            return "unsupported operators:\n" + nodes.map { "  " + $0.description }.joined(separator: "\n")
        case .invalidNode(let n, let op, let d): return "node '\(n)' (\(op)): \(d)"
        case .shapeMismatch(let n, let d): return "node '\(n)': \(d)"
        case .invalidInput(let n, let d): return "input '\(n)': \(d)"
        case .limitExceeded(let w, let v, let l): return "\(w) is \(v), over the limit of \(l)"
        case .outOfMemory(let w, let b): return "out of memory: the system refused \(b) bytes for \(w)"
        }
    }
}
