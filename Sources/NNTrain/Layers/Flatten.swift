import NNFormat

/// Flattens each sample: `(C, H, W)` → `(C·H·W)`; the values do not move.
public final class Flatten: Layer {
    public let name: String
    public let inputShape: [Int]
    public var outputShape: [Int] { [inputShape.reduce(1, *)] }

    /// Creates a flatten layer.
    public init(name: String, inputShape: [Int]) {
        self.name = name
        self.inputShape = inputShape
    }

    public func forward(_ x: Activations, mode: Mode, context: ComputeContext) -> Activations {
        Activations(shape: [x.batch] + outputShape, values: x.values)
    }

    public func backward(_ dy: Activations, inputGradient: Bool, context: ComputeContext) -> Activations {
        inputGradient ? Activations(shape: [dy.batch] + inputShape, values: dy.values) : .none
    }

    public func export(to builder: inout NetworkBuilder) throws(FormatError) {
        builder.flatten()
    }
}
