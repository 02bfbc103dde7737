/// The values of a tensor, kept in the most useful typed form for its element type.
///
/// `float`, `int64`, `int32` and `double` tensors keep typed arrays; every other fixed-size type
/// keeps its little-endian bytes (`raw`), and string tensors keep their byte strings.
public enum TensorStorage: Sendable, Equatable {
    /// float32 values.
    case float([Float])
    /// int64 values.
    case int64([Int64])
    /// int32 values.
    case int32([Int32])
    /// float64 values.
    case double([Double])
    /// Little-endian element bytes for the types without a typed case (uint8, bool, float16, ...).
    case raw([UInt8])
    /// The byte strings of a string tensor, one per element.
    case strings([[UInt8]])

    /// The number of elements stored.
    public func count(for type: ElementType) -> Int {
        switch self {
        case .float(let v): return v.count
        case .int64(let v): return v.count
        case .int32(let v): return v.count
        case .double(let v): return v.count
        case .strings(let v): return v.count
        case .raw(let v):
            guard let bits = type.bitWidth, bits > 0 else { return 0 }
            return v.count * 8 / bits
        }
    }
}

/// A named, typed, shaped tensor value: an initializer, a constant, or a tensor file's contents.
public struct TensorData: Sendable, Equatable {
    /// The tensor's name (may be empty for attribute tensors and anonymous constants).
    public var name: String
    /// The element type.
    public var elementType: ElementType
    /// The dimensions, outermost first; `[]` is a scalar.
    public var dims: [Int]
    /// The values, row-major.
    public var storage: TensorStorage
    /// A human-readable description.
    public var docString: String

    /// Creates a tensor from its parts; the caller keeps `storage` consistent with `dims`.
    public init(name: String = "", elementType: ElementType, dims: [Int], storage: TensorStorage, docString: String = "") {
        self.name = name
        self.elementType = elementType
        self.dims = dims
        self.storage = storage
        self.docString = docString
    }

    /// Creates a float32 tensor.
    public init(name: String = "", dims: [Int], floats: [Float]) {
        self.init(name: name, elementType: .float, dims: dims, storage: .float(floats))
    }

    /// Creates an int64 tensor.
    public init(name: String = "", dims: [Int], int64s: [Int64]) {
        self.init(name: name, elementType: .int64, dims: dims, storage: .int64(int64s))
    }

    /// The number of elements the dimensions describe (1 for a scalar).
    public var elementCount: Int { dims.reduce(1, *) }

    /// The values as float32 when the tensor holds float32 data.
    public var floats: [Float]? {
        if case .float(let v) = storage { return v }
        return nil
    }

    /// The values as Int64, converting from any integer storage; `nil` for non-integer tensors.
    public var int64s: [Int64]? {
        switch storage {
        case .int64(let v): return v
        case .int32(let v): return v.map(Int64.init)
        case .raw(let bytes):
            switch elementType {
            case .uint8, .bool: return bytes.map(Int64.init)
            case .int8: return bytes.map { Int64(Int8(bitPattern: $0)) }
            default: return nil
            }
        default: return nil
        }
    }
}
