/// A trainable tensor and its gradient, shared by a layer and the optimizer.
public final class Parameter {
    /// A readable name (`conv1.weight`), used in messages.
    public let name: String
    /// The tensor's dimensions.
    public let shape: [Int]
    /// The current values, row-major.
    public var value: [Float]
    /// The gradient of the loss with respect to `value`, accumulated by backward passes.
    public var gradient: [Float]

    /// Creates a parameter with initial values; the gradient starts at zero.
    public init(name: String, shape: [Int], value: [Float]) {
        precondition(value.count == shape.reduce(1, *), "Parameter \(name): \(value.count) values for shape \(shape)")
        self.name = name
        self.shape = shape
        self.value = value
        self.gradient = [Float](repeating: 0, count: value.count)
    }

    /// The number of scalars.
    public var count: Int { value.count }

    /// Sets the gradient to zero.
    public func zeroGradient() {
        for i in gradient.indices { gradient[i] = 0 }
    }
}
