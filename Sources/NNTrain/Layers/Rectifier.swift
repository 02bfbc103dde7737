import NNFormat

/// ReLU (`slope == 0`) or LeakyReLU (`y = x` for x > 0, `slope·x` otherwise), elementwise.
public final class Rectifier: Layer {
    public let name: String
    public let inputShape: [Int]
    public var outputShape: [Int] { inputShape }
    /// The slope for negative inputs; 0 is plain ReLU (exported as Relu), anything else LeakyRelu.
    public let slope: Float
    private var input: [Float] = []

    /// Creates a ReLU (`slope: 0`) or a LeakyReLU.
    public init(name: String, inputShape: [Int], slope: Float = 0) {
        self.name = name
        self.inputShape = inputShape
        self.slope = slope
    }

    public func forward(_ x: Activations, mode: Mode, context: ComputeContext) -> Activations {
        if mode == .train { input = x.values }
        let a = slope
        var y = x.values
        y.withMutablePointer { p in
            for i in 0..<x.values.count where p[i] <= 0 { p[i] *= a }   // y is (N, ...) flat
        }
        return Activations(shape: x.shape, values: y)
    }

    public func backward(_ dy: Activations, inputGradient: Bool, context: ComputeContext) -> Activations {
        guard inputGradient else { return .none }
        let a = slope
        var dx = dy.values
        input.withPointer { xp in
            dx.withMutablePointer { p in
                for i in 0..<dy.values.count where xp[i] <= 0 { p[i] *= a }
            }
        }
        return Activations(shape: dy.shape, values: dx)
    }

    public func export(to builder: inout NetworkBuilder) throws(FormatError) {
        if slope == 0 { builder.relu() } else { builder.leakyRelu(alpha: slope) }
    }
}
