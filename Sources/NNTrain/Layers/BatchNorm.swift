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
        var stats = [Float](repeating: 0, count: 3 * c)       // mean, biased variance, 1/σ per channel
        x.values.withPointer { xp in
            normalized.withMutablePointer { hp in
                y.withMutablePointer { yp in
                    scale.value.withPointer { gp in
                        shift.value.withPointer { bp in
                            stats.withMutablePointer { sp in
                                let (xb, hb, yb, gb, bb, sb) = (UncheckedBox(xp), UncheckedBox(hp), UncheckedBox(yp), UncheckedBox(gp), UncheckedBox(bp), UncheckedBox(sp))
                                context.parallelFor(c) { ch in  // x is (N, C, S); statistics over N and S, one channel per task
                                    let (mean, variance) = Self.moments(xb.value, n: n, c: c, s: s, channel: ch)
                                    let inv = Float(1 / (variance + Double(epsilon)).squareRoot())
                                    let m = Float(mean), g = gb.value[ch], b = bb.value[ch]
                                    (sb.value[ch], sb.value[c + ch], sb.value[2 * c + ch]) = (m, Float(variance), inv)
                                    for i in 0..<n {
                                        let base = (i * c + ch) * s
                                        for j in 0..<s {
                                            let h = (xb.value[base + j] - m) * inv
                                            hb.value[base + j] = h
                                            yb.value[base + j] = g * h + b
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        inverseStd = Array(stats[(2 * c)...])
        for ch in 0..<c {
            let variance = Double(stats[c + ch])
            let unbiased = count > 1 ? variance * Double(count) / Double(count - 1) : variance
            runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * stats[ch]
            runningVariance[ch] = (1 - momentum) * runningVariance[ch] + momentum * Float(unbiased)
        }
        return Activations(shape: x.shape, values: y)
    }

    /// Mean and biased variance of one channel of `(N, C, S)`: Float sums along S (vectorised),
    /// Double across samples, always in the same order.
    @inline(__always)
    static func moments(_ x: UnsafePointer<Float>, n: Int, c: Int, s: Int, channel ch: Int) -> (Double, Double) {
        var sum: Double = 0
        for i in 0..<n { sum += Double(Reductions.sum(x + (i * c + ch) * s, s)) }
        let mean = sum / Double(n * s), m = Float(mean)
        var squares: Double = 0
        for i in 0..<n { squares += Double(Reductions.centeredSquares(x + (i * c + ch) * s, s, mean: m)) }
        return (mean, squares / Double(n * s))
    }

    public func backward(_ dy: Activations, inputGradient: Bool, context: ComputeContext) -> Activations {
        let n = dy.batch, c = channels, s = spatial, count = Float(n * s)
        var dx = [Float](repeating: 0, count: inputGradient ? dy.values.count : 0)
        var sums = [Float](repeating: 0, count: 2 * c)         // Σdy and Σdy·x̂ per channel
        dy.values.withPointer { gp in
            normalized.withPointer { hp in
                dx.withMutablePointer { dp in
                    scale.value.withPointer { wp in
                        inverseStd.withPointer { ip in
                            sums.withMutablePointer { sp in
                                let (gb, hb, db, wb, ib, sb) = (UncheckedBox(gp), UncheckedBox(hp), UncheckedBox(dp), UncheckedBox(wp), UncheckedBox(ip), UncheckedBox(sp))
                                context.parallelFor(c) { ch in   // dy is (N, C, S), one channel per task
                                    var sumDy: Double = 0, sumDyH: Double = 0
                                    for i in 0..<n {
                                        let base = (i * c + ch) * s
                                        sumDy += Double(Reductions.sum(gb.value + base, s))
                                        sumDyH += Double(Reductions.dot(gb.value + base, hb.value + base, s))
                                    }
                                    (sb.value[ch], sb.value[c + ch]) = (Float(sumDy), Float(sumDyH))
                                    guard inputGradient else { return }
                                    // dx = γ/(σ·M) · (M·dy − Σdy − x̂·Σ(dy·x̂)), M = N·S
                                    let k = wb.value[ch] * ib.value[ch] / count
                                    let a = Float(sumDy), b = Float(sumDyH)
                                    for i in 0..<n {
                                        let base = (i * c + ch) * s
                                        for j in 0..<s { db.value[base + j] = k * (count * gb.value[base + j] - a - hb.value[base + j] * b) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for ch in 0..<c {
            shift.gradient[ch] += sums[ch]
            scale.gradient[ch] += sums[c + ch]
        }
        return inputGradient ? Activations(shape: dy.shape, values: dx) : .none
    }

    public func export(to builder: inout NetworkBuilder) throws(FormatError) {
        try builder.batchNorm(scale: scale.value, bias: shift.value, runningMean: runningMean, runningVariance: runningVariance,
                              epsilon: epsilon, momentum: 1 - momentum)
    }
}
