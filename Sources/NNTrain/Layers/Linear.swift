import NNFormat

/// A fully connected layer, `y = x·Wᵀ + b`, with `W` of shape `(out, in)` (PyTorch's Linear),
/// computed with the runtime's packed `nnk_sgemm`.
public final class Linear: Layer {
    public let name: String
    public let inputShape: [Int]
    public let outputShape: [Int]
    /// `(outFeatures, inFeatures)`, He-initialised.
    public let weight: Parameter
    /// `(outFeatures)`, zero-initialised.
    public let bias: Parameter
    public var parameters: [Parameter] { [weight, bias] }
    private var input: [Float] = []
    private let weightGradient = Scratch()

    /// Creates a linear layer for `[inFeatures]` inputs.
    public init(name: String, inputShape: [Int], outFeatures: Int, rng: inout SeededGenerator) throws(TrainError) {
        guard inputShape.count == 1 else {
            throw .invalidArgument("\(name): needs flat (features) input, got \(inputShape): put 'flatten' or 'gap' before it")
        }
        guard outFeatures >= 1 else { throw .invalidArgument("\(name): needs at least one output feature") }
        self.name = name
        self.inputShape = inputShape
        self.outputShape = [outFeatures]
        let fanIn = inputShape[0]
        weight = Parameter(name: "\(name).weight", shape: [outFeatures, fanIn],
                           value: Layout.heNormal(count: outFeatures * fanIn, fanIn: fanIn, rng: &rng))
        bias = Parameter(name: "\(name).bias", shape: [outFeatures], value: [Float](repeating: 0, count: outFeatures))
    }

    public func forward(_ x: Activations, mode: Mode, context: ComputeContext) -> Activations {
        let n = x.batch, fin = inputShape[0], fout = outputShape[0]
        if mode == .train { input = x.values }
        var y = [Float](repeating: 0, count: n * fout)
        x.values.withPointer { xp in
            weight.value.withPointer { wp in
                bias.value.withPointer { bp in
                    y.withMutablePointer { yp in      // y (N × out) = x (N × in) · Wᵀ (in × out) + b
                        context.gemm(m: n, n: fout, k: fin, a: xp, aRow: fin, aCol: 1, b: wp, bRow: 1, bCol: fin,
                                     c: yp, ldc: fout, bias: bp, biasPerRow: false)
                    }
                }
            }
        }
        return Activations(shape: [n, fout], values: y)
    }

    public func backward(_ dy: Activations, inputGradient: Bool, context: ComputeContext) -> Activations {
        let n = dy.batch, fin = inputShape[0], fout = outputShape[0]
        let dw = weightGradient.floats(fout * fin)
        dy.values.withPointer { gp in
            for j in 0..<fout {                       // bias gradient: column sums of dy (N × out)
                var s: Double = 0
                for i in 0..<n { s += Double(gp[i * fout + j]) }
                bias.gradient[j] += Float(s)
            }
            input.withPointer { xp in                 // dW (out × in) = dyᵀ (out × N) · x (N × in)
                context.gemm(m: fout, n: fin, k: n, a: gp, aRow: 1, aCol: fout, b: xp, bRow: fin, bCol: 1, c: dw, ldc: fin)
            }
        }
        weight.gradient.withMutablePointer { g in
            for i in 0..<(fout * fin) { g[i] += dw[i] }
        }
        guard inputGradient else { return .none }
        var dx = [Float](repeating: 0, count: n * fin)
        dy.values.withPointer { gp in
            weight.value.withPointer { wp in
                dx.withMutablePointer { dp in         // dx (N × in) = dy (N × out) · W (out × in)
                    context.gemm(m: n, n: fin, k: fout, a: gp, aRow: fout, aCol: 1, b: wp, bRow: fin, bCol: 1, c: dp, ldc: fin)
                }
            }
        }
        return Activations(shape: [n, fin], values: dx)
    }

    public func export(to builder: inout NetworkBuilder) throws(FormatError) {
        try builder.linear(outFeatures: outputShape[0], weight: weight.value, bias: bias.value)
    }
}
