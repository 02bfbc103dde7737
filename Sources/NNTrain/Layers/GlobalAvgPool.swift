import NNFormat

/// Global average pooling: `(C, H, W)` → `(C, 1, 1)`, the mean of each feature map.
public final class GlobalAvgPool: Layer {
    public let name: String
    public let inputShape: [Int]
    public var outputShape: [Int] { [inputShape[0], 1, 1] }

    /// Creates a global average pool for `(C, H, W)` inputs.
    public init(name: String, inputShape: [Int]) throws(TrainError) {
        guard inputShape.count == 3 else { throw .invalidArgument("\(name): needs a (C, H, W) input, got \(inputShape)") }
        self.name = name
        self.inputShape = inputShape
    }

    public func forward(_ x: Activations, mode: Mode, context: ComputeContext) -> Activations {
        let planes = x.batch * inputShape[0], size = inputShape[1] * inputShape[2]
        var y = [Float](repeating: 0, count: planes)
        x.values.withPointer { xp in
            for p in 0..<planes {                               // x is (N·C, H·W)
                var s: Float = 0
                for j in 0..<size { s += xp[p * size + j] }
                y[p] = s / Float(size)
            }
        }
        return Activations(shape: [x.batch] + outputShape, values: y)
    }

    public func backward(_ dy: Activations, inputGradient: Bool, context: ComputeContext) -> Activations {
        guard inputGradient else { return .none }
        let planes = dy.batch * inputShape[0], size = inputShape[1] * inputShape[2]
        var dx = [Float](repeating: 0, count: planes * size)
        dx.withMutablePointer { dp in
            for p in 0..<planes {                               // dx is (N·C, H·W)
                let share = dy.values[p] / Float(size)
                for j in 0..<size { dp[p * size + j] = share }
            }
        }
        return Activations(shape: [dy.batch] + inputShape, values: dx)
    }

    public func export(to builder: inout NetworkBuilder) throws(FormatError) {
        try builder.globalAveragePool()
    }
}
