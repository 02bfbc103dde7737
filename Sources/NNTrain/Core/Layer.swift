import NNFormat

/// Whether a forward pass follows training semantics (batch-statistics BatchNorm that updates its
/// running statistics, inverted Dropout) or eval semantics (running statistics, Dropout = identity).
public enum Mode: Sendable, Equatable {
    case train
    case eval
}

/// One layer of a network: forward and backward passes over a batch, its trainable parameters,
/// and how it is written to ONNX.
///
/// A layer is built for one input shape (without the batch dimension) and keeps what its backward
/// pass needs from the last training-mode forward pass, so `backward` must follow `forward(mode: .train)`.
public protocol Layer: AnyObject {
    /// A short readable name (`conv1`, `bn2`), used in messages and in the exported graph.
    var name: String { get }
    /// The per-sample input shape the layer was built for.
    var inputShape: [Int] { get }
    /// The per-sample output shape.
    var outputShape: [Int] { get }
    /// The trainable parameters (empty for parameter-free layers).
    var parameters: [Parameter] { get }
    /// Runs the layer on a batch whose shape is `[N] + inputShape`.
    func forward(_ x: Activations, mode: Mode, context: ComputeContext) -> Activations
    /// Given the loss gradient with respect to the last output, accumulates parameter gradients and
    /// returns the gradient with respect to the input (an empty value when `inputGradient` is false).
    func backward(_ dy: Activations, inputGradient: Bool, context: ComputeContext) -> Activations
    /// Appends the layer's ONNX nodes (eval form: BN with running statistics, Dropout as trained).
    func export(to builder: inout NetworkBuilder) throws(FormatError)
}

extension Layer {
    /// No parameters by default.
    public var parameters: [Parameter] { [] }
}

extension Activations {
    /// The value a backward pass returns when its caller asked for no input gradient.
    static let none = Activations(shape: [0], values: [])
}
