import NNFormat

/// Batch normalization over channels: BatchNorm2d on `(C, H, W)` feature maps, BatchNorm1d on `(F)`
/// features (after a Linear layer).
///
/// Training: normalises by the batch's mean and biased variance over every axis but the channel,
/// and updates the running statistics PyTorch's way, `running = (1 − momentum)·running + momentum·batch`
/// with the *unbiased* batch variance (momentum 0.1). Eval: normalises by the running statistics.
/// Exported with ONNX's momentum convention (the weight of the old value, `1 − momentum`).
public final class BatchNorm: Layer {
    public let name: String
    public let inputShape: [Int]
    public var outputShape: [Int] { inputShape }
    /// γ, one per channel (starts at 1).
    public let scale: Parameter
    /// β, one per channel (starts at 0).
    public let shift: Parameter
    public var parameters: [Parameter] { [scale, shift] }
    /// Running mean (starts at 0) and running variance (starts at 1), one per channel.
    public var runningMean: [Float], runningVariance: [Float]
    /// PyTorch-convention momentum: the weight of the new batch statistic.
    public var momentum: Float
    /// Added to the variance before the square root.
    public let epsilon: Float

    private var normalized: [Float] = []     // x̂ of the last training batch, (N, C, S)
    private var inverseStd: [Float] = []     // 1/√(σ² + ε) per channel

    /// Creates a batch norm for `[C]` or `[C, H, W]` inputs.
    public init(name: String, inputShape: [Int], momentum: Float = 0.1, epsilon: Float = 1e-5) throws(TrainError) {
        guard let c = inputShape.first, inputShape.count == 1 || inputShape.count == 3 else {
            throw .invalidArgument("\(name): needs a (C) or (C, H, W) input, got \(inputShape)")
        }
        self.name = name
        self.inputShape = inputShape
        self.momentum = momentum
        self.epsilon = epsilon
        scale = Parameter(name: "\(name).weight", shape: [c], value: [Float](repeating: 1, count: c))
        shift = Parameter(name: "\(name).bias", shape: [c], value: [Float](repeating: 0, count: c))
        runningMean = [Float](repeating: 0, count: c)
        runningVariance = [Float](repeating: 1, count: c)
    }

    private var channels: Int { inputShape[0] }
    private var spatial: Int { inputShape.dropFirst().reduce(1, *) }

    public func forward(_ x: Activations, mode: Mode, context: ComputeContext) -> Activations {
        let n = x.batch, c = channels, s = spatial, count = n * s
        var y = [Float](repeating: 0, count: x.values.count)
        if mode == .eval {
            x.values.withPointer { xp in
                y.withMutablePointer { yp in
                    for ch in 0..<c {               // x is (N, C, S)
                        let inv = 1 / (runningVariance[ch] + epsilon).squareRoot()
                        let a = scale.value[ch] * inv, b = shift.value[ch] - runningMean[ch] * a
                        for i in 0..<n {
                            let base = (i * c + ch) * s
                            for j in 0..<s { yp[base + j] = xp[base + j] * a + b }
                        }
                    }
                }
            }
            return Activations(shape: x.shape, values: y)
        }
        if normalized.count != x.values.count { normalized = [Float](repeating: 0, count: x.values.count) }
        if inverseStd.count != c { inverseStd = [Float](repeating: 0, count: c) }
        x.values.withPointer { xp in
            normalized.withMutablePointer { hp in
                y.withMutablePointer { yp in
                    for ch in 0..<c {               // x is (N, C, S); statistics over N and S
                        var sum: Double = 0
                        for i in 0..<n {
                            let base = (i * c + ch) * s
                            for j in 0..<s { sum += Double(xp[base + j]) }
                        }
                        let mean = sum / Double(count)
                        var squares: Double = 0
                        for i in 0..<n {
                            let base = (i * c + ch) * s
                            for j in 0..<s { let d = Double(xp[base + j]) - mean; squares += d * d }
                        }
                        let variance = squares / Double(count)
                        let inv = Float(1 / (variance + Double(epsilon)).squareRoot())
                        let m = Float(mean), g = scale.value[ch], b = shift.value[ch]
                        inverseStd[ch] = inv
                        for i in 0..<n {
                            let base = (i * c + ch) * s
                            for j in 0..<s {
                                let h = (xp[base + j] - m) * inv
                                hp[base + j] = h
                                yp[base + j] = g * h + b
                            }
                        }
                        let unbiased = count > 1 ? variance * Double(count) / Double(count - 1) : variance
                        runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * m
                        runningVariance[ch] = (1 - momentum) * runningVariance[ch] + momentum * Float(unbiased)
                    }
                }
            }
        }
        return Activations(shape: x.shape, values: y)
    }

    public func backward(_ dy: Activations, inputGradient: Bool, context: ComputeContext) -> Activations {
        let n = dy.batch, c = channels, s = spatial, count = Float(n * s)
        var dx = [Float](repeating: 0, count: dy.values.count)
        dy.values.withPointer { gp in
            normalized.withPointer { hp in
                dx.withMutablePointer { dp in
                    for ch in 0..<c {               // dy is (N, C, S)
                        var sumDy: Double = 0, sumDyH: Double = 0
                        for i in 0..<n {
                            let base = (i * c + ch) * s
                            for j in 0..<s { sumDy += Double(gp[base + j]); sumDyH += Double(gp[base + j] * hp[base + j]) }
                        }
                        scale.gradient[ch] += Float(sumDyH)
                        shift.gradient[ch] += Float(sumDy)
                        guard inputGradient else { continue }
                        // dx = γ/(σ·M) · (M·dy − Σdy − x̂·Σ(dy·x̂)), M = N·S
                        let k = scale.value[ch] * inverseStd[ch] / count
                        let a = Float(sumDy), b = Float(sumDyH)
                        for i in 0..<n {
                            let base = (i * c + ch) * s
                            for j in 0..<s { dp[base + j] = k * (count * gp[base + j] - a - hp[base + j] * b) }
                        }
                    }
                }
            }
        }
        return inputGradient ? Activations(shape: dy.shape, values: dx) : .none
    }

    public func export(to builder: inout NetworkBuilder) throws(FormatError) {
        try builder.batchNorm(scale: scale.value, bias: shift.value, runningMean: runningMean, runningVariance: runningVariance,
                              epsilon: epsilon, momentum: 1 - momentum)
    }
}
