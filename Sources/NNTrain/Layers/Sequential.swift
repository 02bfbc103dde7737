import NNFormat

/// Layers applied one after the other; itself a layer, so blocks nest (residual bodies).
public final class Sequential: Layer {
    public let name: String
    public let inputShape: [Int]
    /// The layers in order; each one's input shape is the previous one's output shape.
    public let layers: [any Layer]
    public var outputShape: [Int] { layers.last?.outputShape ?? inputShape }
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Chains `layers`; throws if one's input shape is not the previous one's output shape.
    public init(name: String = "sequential", inputShape: [Int], layers: [any Layer]) throws(TrainError) {
        var shape = inputShape
        for layer in layers {
            guard layer.inputShape == shape else {
                throw .invalidArgument("\(layer.name): built for input \(layer.inputShape), but receives \(shape)")
            }
            shape = layer.outputShape
        }
        self.name = name
        self.inputShape = inputShape
        self.layers = layers
    }

    public func forward(_ x: Activations, mode: Mode, context: ComputeContext) -> Activations {
        layers.reduce(x) { $1.forward($0, mode: mode, context: context) }
    }

    public func backward(_ dy: Activations, inputGradient: Bool, context: ComputeContext) -> Activations {
        var g = dy
        for (i, layer) in layers.enumerated().reversed() {
            g = layer.backward(g, inputGradient: i > 0 || inputGradient, context: context)
        }
        return g
    }

    public func export(to builder: inout NetworkBuilder) throws(FormatError) {
        for layer in layers { try layer.export(to: &builder) }
    }
}
