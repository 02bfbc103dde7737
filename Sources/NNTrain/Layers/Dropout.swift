import NNFormat

/// Inverted dropout: in training each unit is zeroed with probability `rate` and survivors are
/// scaled by `1/(1 − rate)`, so eval (the identity) needs no rescaling.
///
/// The mask comes from the layer's own seeded generator, so a run is reproducible.
public final class Dropout: Layer {
    public let name: String
    public let inputShape: [Int]
    public var outputShape: [Int] { inputShape }
    /// The drop probability, in [0, 1).
    public let rate: Float
    private var rng: SeededGenerator
    private var mask: [Float] = []   // 0 or 1/(1 − rate) per unit of the last training batch

    /// Creates a dropout layer; `rate` must be in [0, 1).
    public init(name: String, inputShape: [Int], rate: Float, rng: SeededGenerator) throws(TrainError) {
        guard rate >= 0, rate < 1 else { throw .invalidArgument("\(name): dropout rate \(rate) must be in [0, 1)") }
        self.name = name
        self.inputShape = inputShape
        self.rate = rate
        self.rng = rng
    }

    public func forward(_ x: Activations, mode: Mode, context: ComputeContext) -> Activations {
        guard mode == .train, rate > 0 else { return x }
        let keep = 1 / (1 - rate), p = rate
        if mask.count != x.values.count { mask = [Float](repeating: 0, count: x.values.count) }
        var y = x.values
        mask.withMutablePointer { m in
            y.withMutablePointer { yp in
                for i in 0..<x.values.count {        // x is (N, ...) flat
                    m[i] = rng.nextUnitFloat() < p ? 0 : keep
                    yp[i] *= m[i]
                }
            }
        }
        return Activations(shape: x.shape, values: y)
    }

    public func backward(_ dy: Activations, inputGradient: Bool, context: ComputeContext) -> Activations {
        guard inputGradient else { return .none }
        guard rate > 0 else { return dy }
        var dx = dy.values
        mask.withPointer { m in
            dx.withMutablePointer { p in
                for i in 0..<dy.values.count { p[i] *= m[i] }
            }
        }
        return Activations(shape: dy.shape, values: dx)
    }

    public func export(to builder: inout NetworkBuilder) throws(FormatError) {
        try builder.dropout(rate: rate)
    }
}
