import NNFormat

/// A residual block, `y = body(x) + shortcut(x)`, with the identity as the default shortcut.
public final class Residual: Layer {
    public let name: String
    public var inputShape: [Int] { body.inputShape }
    public var outputShape: [Int] { body.outputShape }
    /// The main branch.
    public let body: Sequential
    /// The projection branch (e.g. a strided 1×1 conv and BN), or `nil` for the identity.
    public let shortcut: Sequential?
    public var parameters: [Parameter] { body.parameters + (shortcut?.parameters ?? []) }

    /// Creates a block; the branches must produce the same shape.
    public init(name: String, body: Sequential, shortcut: Sequential? = nil) throws(TrainError) {
        let other = shortcut?.outputShape ?? body.inputShape
        guard body.outputShape == other, shortcut.map({ $0.inputShape == body.inputShape }) ?? true else {
            throw .invalidArgument("\(name): the body gives \(body.outputShape) but the shortcut gives \(other); "
                + "give the block a projection shortcut, e.g. res(…|conv1x1-\(body.outputShape.first ?? 0)/s2)")
        }
        self.name = name
        self.body = body
        self.shortcut = shortcut
    }

    public func forward(_ x: Activations, mode: Mode, context: ComputeContext) -> Activations {
        var y = body.forward(x, mode: mode, context: context)
        let s = shortcut?.forward(x, mode: mode, context: context) ?? x
        s.values.withPointer { sp in
            y.values.withMutablePointer { yp in
                for i in 0..<s.values.count { yp[i] += sp[i] }   // y is (N, C, H, W) flat
            }
        }
        return y
    }

    public func backward(_ dy: Activations, inputGradient: Bool, context: ComputeContext) -> Activations {
        var dx = body.backward(dy, inputGradient: inputGradient, context: context)
        let ds = shortcut?.backward(dy, inputGradient: inputGradient, context: context) ?? dy
        guard inputGradient else { return .none }
        ds.values.withPointer { sp in
            dx.values.withMutablePointer { dp in
                for i in 0..<ds.values.count { dp[i] += sp[i] }
            }
        }
        return dx
    }

    public func export(to builder: inout NetworkBuilder) throws(FormatError) {
        let start = builder.current
        try body.export(to: &builder)
        guard let shortcut else { return try builder.add(start) }
        let bodyOutput = builder.current
        builder.use(start)
        try shortcut.export(to: &builder)
        try builder.add(bodyOutput)
    }
}
