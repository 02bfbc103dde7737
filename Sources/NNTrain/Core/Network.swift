import NNFormat

/// A trainable network: a chain of layers over a fixed per-sample input shape, built from a SPEC
/// string or from layer values, with a compute context (threads) of its own.
///
/// ```swift
/// let net = try Network(spec: "conv5x5-20,bn,relu,maxpool2,flatten,fc10", inputShape: [1, 28, 28], seed: 1)
/// let logits = net.forward(batch, mode: .train)
/// let (loss, gradient) = SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
/// net.zeroGradients(); net.backward(gradient)
/// ```
public final class Network {
    /// The per-sample input shape, `[C, H, W]` or `[F]`.
    public let inputShape: [Int]
    /// All layers, in order.
    public let root: Sequential
    /// The architecture as layer values when built from a SPEC (or given them).
    public let layerSpecs: [LayerSpec]?
    /// Threads and scratch space for the hot loops.
    public let context: ComputeContext

    /// Builds the network a SPEC describes (see `ArchitectureSpec`), initialised from `seed`.
    public convenience init(spec: String, inputShape: [Int], seed: UInt64, threads: Int = 1) throws(TrainError) {
        try self.init(layerSpecs: ArchitectureSpec.parse(spec), inputShape: inputShape, seed: seed, threads: threads, specText: spec)
    }

    /// Builds a network from layer values, initialised from `seed`.
    public init(layerSpecs: [LayerSpec], inputShape: [Int], seed: UInt64, threads: Int = 1, specText: String? = nil) throws(TrainError) {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else { throw .invalidArgument("input shape \(inputShape) must be positive") }
        var factory = LayerFactory(seed: seed, spec: specText ?? ArchitectureSpec.text(layerSpecs))
        root = try factory.sequential(layerSpecs, inputShape: inputShape, name: "network")
        self.inputShape = inputShape
        self.layerSpecs = layerSpecs
        context = ComputeContext(threads: threads)
    }

    /// Wraps layers you built yourself (their shapes must chain).
    public init(layers: [any Layer], inputShape: [Int], threads: Int = 1) throws(TrainError) {
        root = try Sequential(name: "network", inputShape: inputShape, layers: layers)
        self.inputShape = inputShape
        layerSpecs = nil
        context = ComputeContext(threads: threads)
    }

    /// The per-sample output shape (`[classes]` for a classifier).
    public var outputShape: [Int] { root.outputShape }

    /// Every trainable parameter, in layer order.
    public var parameters: [Parameter] { root.parameters }

    /// The number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Runs a batch `[N] + inputShape` in training or eval semantics.
    public func forward(_ x: Activations, mode: Mode) -> Activations {
        precondition(Array(x.shape.dropFirst()) == inputShape, "Network.forward: batch shape \(x.shape) does not match input \(inputShape)")
        return root.forward(x, mode: mode, context: context)
    }

    /// Back-propagates the loss gradient of the last training-mode output, accumulating into every
    /// parameter's gradient. Returns the input gradient when `inputGradient` is true.
    @discardableResult
    public func backward(_ gradient: Activations, inputGradient: Bool = false) -> Activations {
        root.backward(gradient, inputGradient: inputGradient, context: context)
    }

    /// Sets every parameter's gradient to zero.
    public func zeroGradients() {
        for p in parameters { p.zeroGradient() }
    }

    /// Every BatchNorm layer, in order (their running statistics are part of the trained state).
    public var batchNorms: [BatchNorm] {
        func collect(_ layers: [any Layer]) -> [BatchNorm] {
            layers.flatMap { layer -> [BatchNorm] in
                if let bn = layer as? BatchNorm { return [bn] }
                if let r = layer as? Residual { return collect(r.body.layers) + collect(r.shortcut?.layers ?? []) }
                if let s = layer as? Sequential { return collect(s.layers) }
                return []
            }
        }
        return collect(root.layers)
    }
}
