import NNFormat

/// A tensor passed to or returned from a session: a shape and typed, row-major values.
public struct Tensor: Sendable, Equatable {
    /// The values.
    public enum Values: Sendable, Equatable {
        /// float32 values.
        case float([Float])
        /// int64 values (shapes, indices).
        case int64([Int64])
    }

    /// The dimensions, outermost first (`[]` for a scalar).
    public var shape: [Int]
    /// The values, row-major; the count equals the product of `shape`.
    public var values: Values

    /// Creates a float32 tensor; `values.count` must equal the product of `shape`.
    public init(shape: [Int], floats: [Float]) {
        self.shape = shape
        self.values = .float(floats)
    }

    /// Creates an int64 tensor; `values.count` must equal the product of `shape`.
    public init(shape: [Int], int64s: [Int64]) {
        self.shape = shape
        self.values = .int64(int64s)
    }

    /// The element type.
    public var elementType: ElementType {
        switch values {
        case .float: return .float
        case .int64: return .int64
        }
    }

    /// The float values, or `nil` for an int64 tensor.
    public var floats: [Float]? {
        if case .float(let v) = values { return v }
        return nil
    }

    /// The int64 values, or `nil` for a float tensor.
    public var int64s: [Int64]? {
        if case .int64(let v) = values { return v }
        return nil
    }

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// The tensor as a format-level `TensorData` with `name`.
    public func tensorData(name: String = "") -> TensorData {
        switch values {
        case .float(let v): return TensorData(name: name, dims: shape, floats: v)
        case .int64(let v): return TensorData(name: name, dims: shape, int64s: v)
        }
    }

    /// Converts format-level data; float32, int64, and the integer types widened to int64.
    public init?(_ data: TensorData) {
        if let f = data.floats {
            self.init(shape: data.dims, floats: f)
        } else if data.elementType != .float, let i = data.int64s {
            self.init(shape: data.dims, int64s: i)
        } else {
            return nil
        }
    }
}
