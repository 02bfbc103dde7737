import CKernels

/// ONNX Relu, LeakyRelu, Sigmoid and Tanh (all opsets): one elementwise function on floats.
struct Activation: Operator {
    enum Kind: Sendable { case relu, leakyRelu, sigmoid, tanh }
    let kind: Kind
    let function: Epilogue.Activation

    init(_ a: Attributes, kind: Kind) throws(RuntimeError) {
        self.kind = kind
        switch kind {
        case .relu: function = .relu
        case .leakyRelu: function = .leakyRelu(alpha: try a.float("alpha", 0.01))
        case .sigmoid: function = .sigmoid
        case .tanh: function = .tanh
        }
    }

    init(function: Epilogue.Activation) {
        self.function = function
        switch function {
        case .leakyRelu: kind = .leakyRelu
        case .sigmoid: kind = .sigmoid
        case .tanh: kind = .tanh
        default: kind = .relu
        }
    }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard let x = inputs.first ?? nil, x.type == .float else { throw .shapeMismatch(node: node, detail: "needs one float input") }
        return [OutputFact(type: .float, shape: x.shape)]
    }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        let (alpha, beta) = function.parameters
        return ElementwiseKernel(code: function.code, alpha: alpha, beta: beta, input: ctx.inputs[0]!.slot, output: ctx.outputs[0].slot, count: ctx.outputs[0].count, threads: ctx.threads)
    }
}

/// Applies one `nnk_activation` over a tensor, split in chunks over the workers when large.
struct ElementwiseKernel: Kernel, @unchecked Sendable {
    let code: Int32
    let alpha: Float, beta: Float
    let input: Slot, output: Slot
    let count: Int
    let threads: Int

    func run(_ context: RunContext) {
        let x = context.floats(input), y = context.floats(output)
        let tasks = count >= 1 << 16 ? threads : 1
        let chunk = (count + tasks - 1) / max(tasks, 1)
        context.parallel(tasks) { t, _ in
            let start = t * chunk
            let n = min(chunk, count - start)
            if n > 0 { nnk_activation(code, alpha, beta, x + start, y + start, Int64(n)) }
        }
    }
}
