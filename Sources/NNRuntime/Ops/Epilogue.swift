import CKernels

/// What a conv or gemm applies to each output value as it is written:
/// `y = act(acc + bias + residual) * postScale + postShift`.
struct Epilogue: Sendable, Equatable {
    enum Activation: Sendable, Equatable {
        case relu
        case leakyRelu(alpha: Float)
        case clip(min: Float, max: Float)
        case sigmoid
        case tanh

        var code: Int32 {
            switch self {
            case .relu: return Int32(NNK_ACT_RELU)
            case .leakyRelu: return Int32(NNK_ACT_LEAKY_RELU)
            case .clip: return Int32(NNK_ACT_CLIP)
            case .sigmoid: return Int32(NNK_ACT_SIGMOID)
            case .tanh: return Int32(NNK_ACT_TANH)
            }
        }

        var parameters: (Float, Float) {
            switch self {
            case .leakyRelu(let a): return (a, 0)
            case .clip(let lo, let hi): return (lo, hi)
            default: return (0, 0)
            }
        }

        var name: String {
            switch self {
            case .relu: return "Relu"
            case .leakyRelu: return "LeakyRelu"
            case .clip: return "Clip"
            case .sigmoid: return "Sigmoid"
            case .tanh: return "Tanh"
            }
        }
    }

    /// Whether a residual operand (the op's last input) is added before the activation.
    var residual = false
    var activation: Activation?
    var postScale: [Float]?
    var postShift: [Float]?
    /// Names of the nodes fused in, for reports.
    var fused: [String] = []

    var isEmpty: Bool { !residual && activation == nil && postScale == nil && postShift == nil }

    /// Whether another activation may still be fused (only before any post-affine).
    var acceptsActivation: Bool { activation == nil && postScale == nil && postShift == nil }

    var summary: String? { fused.isEmpty ? nil : fused.joined(separator: " + ") }
}

/// The epilogue's constant parts, in buffers the kernel can point at.
struct BoundEpilogue: @unchecked Sendable {
    var activation: Int32 = Int32(NNK_ACT_NONE)
    var alpha: Float = 0
    var beta: Float = 0
    var postScale: HostBuffer?
    var postShift: HostBuffer?
    var bias: Slot?
    var residual: Slot?

    init(_ e: Epilogue, bias: Slot?, residual: Slot?) {
        if let a = e.activation {
            activation = a.code
            (alpha, beta) = a.parameters
        }
        postScale = e.postScale.map { HostBuffer(floats: $0) }
        postShift = e.postShift.map { HostBuffer(floats: $0) }
        self.bias = bias
        self.residual = residual
    }

    /// The C epilogue for one run (pointers resolved in `context`).
    func make(_ context: RunContext, channelAxis: Int32 = 0, residualLD: Int64 = 0) -> nnk_epilogue {
        var ep = nnk_epilogue()
        nnk_epilogue_init(&ep)
        ep.bias = bias.map { UnsafePointer(context.floats($0)) }
        ep.residual = residual.map { UnsafePointer(context.floats($0)) }
        ep.residual_ld = residualLD
        ep.activation = activation
        ep.act_alpha = alpha
        ep.act_beta = beta
        ep.post_scale = postScale.map { UnsafePointer($0.floats) }
        ep.post_shift = postShift.map { UnsafePointer($0.floats) }
        ep.channel_axis = channelAxis
        return ep
    }
}
