/// One dimension of a declared shape: a number, a symbolic name, or unknown.
public enum Dimension: Sendable, Hashable, CustomStringConvertible {
    /// A fixed size.
    case value(Int)
    /// A named size chosen at run time (`N` for the batch); any size is accepted.
    case symbol(String)
    /// A size the file does not state; any size is accepted.
    case unknown

    /// `3`, `N` or `?`.
    public var description: String {
        switch self {
        case .value(let v): return String(v)
        case .symbol(let s): return s
        case .unknown: return "?"
        }
    }
}

/// The declared type of a tensor value: element type and (possibly partial) shape.
public struct TensorType: Sendable, Equatable {
    /// The element type (`.undefined` when the file does not say).
    public var elementType: ElementType
    /// The shape, or `nil` when the rank is unknown.
    public var shape: [Dimension]?

    /// Creates a tensor type.
    public init(elementType: ElementType, shape: [Dimension]?) {
        self.elementType = elementType
        self.shape = shape
    }
}

/// A named value's declaration: ONNX's `ValueInfoProto`.
public struct ValueInfo: Sendable, Equatable {
    /// The value's name.
    public var name: String
    /// Its tensor type, or `nil` when the file gives none (or a non-tensor type).
    public var type: TensorType?
    /// A human-readable description.
    public var docString: String

    /// Creates a value declaration.
    public init(name: String, type: TensorType?, docString: String = "") {
        self.name = name
        self.type = type
        self.docString = docString
    }

    /// Creates a tensor value declaration from an element type and shape.
    public init(name: String, elementType: ElementType, shape: [Dimension]) {
        self.init(name: name, type: TensorType(elementType: elementType, shape: shape))
    }
}
