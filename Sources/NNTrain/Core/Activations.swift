/// A batch of values flowing through a network: a shape whose first dimension is the batch, and
/// row-major float32 values.
///
/// Feature maps are `(N, C, H, W)`, feature vectors `(N, F)`.
public struct Activations: Sendable, Equatable {
    /// The dimensions, batch first.
    public var shape: [Int]
    /// The values, row-major; `values.count == shape.reduce(1, *)`.
    public var values: [Float]

    /// Creates a batch; `values.count` must equal the product of `shape`.
    public init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "Activations: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
    }

    /// A zero-filled batch of this shape.
    public init(zeros shape: [Int]) {
        self.shape = shape
        self.values = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    /// The batch size (the first dimension).
    public var batch: Int { shape.first ?? 0 }

    /// Values per sample (everything after the batch dimension).
    public var sampleSize: Int { shape.dropFirst().reduce(1, *) }
}
