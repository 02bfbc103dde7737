import CKernels

/// ONNX Clip: bounds as attributes (opsets 1–10) or as optional inputs (11+). ReLU6 is Clip(0, 6).
struct Clip: Operator {
    let attributeMin: Float
    let attributeMax: Float
    let boundsAreInputs: Bool

    init(_ a: Attributes) throws(RuntimeError) {
        boundsAreInputs = a.opset >= 11
        attributeMin = try a.float("min", -Float.greatestFiniteMagnitude)
        attributeMax = try a.float("max", Float.greatestFiniteMagnitude)
    }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard let x = inputs.first ?? nil, x.type == .float else { throw .shapeMismatch(node: node, detail: "needs one float input") }
        for i in 1..<min(inputs.count, 3) {
            if let b = inputs[i], b.count != 1 { throw .shapeMismatch(node: node, detail: "bound \(i) must be a scalar, is \(b.shape)") }
        }
        return [OutputFact(type: .float, shape: x.shape)]
    }

    /// The bounds when they are known at plan time.
    func constantBounds(_ inputs: [InputFact?]) -> (Float, Float)? {
        if !boundsAreInputs { return (attributeMin, attributeMax) }
        var lo = -Float.greatestFiniteMagnitude, hi = Float.greatestFiniteMagnitude
        if inputs.count > 1, let m = inputs[1] { guard let c = m.constant else { return nil }; lo = c.floatValues()[0] }
        if inputs.count > 2, let m = inputs[2] { guard let c = m.constant else { return nil }; hi = c.floatValues()[0] }
        return (lo, hi)
    }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        let facts = ctx.inputs.map { $0.map { InputFact(type: $0.type, shape: $0.shape, constant: $0.constant) } }
        if let (lo, hi) = constantBounds(facts) {
            return ElementwiseKernel(code: Int32(NNK_ACT_CLIP), alpha: lo, beta: hi, input: ctx.inputs[0]!.slot, output: ctx.outputs[0].slot, count: ctx.outputs[0].count, threads: ctx.threads)
        }
        return DynamicClipKernel(input: ctx.inputs[0]!.slot, low: ctx.inputs.count > 1 ? ctx.inputs[1]?.slot : nil,
                                 high: ctx.inputs.count > 2 ? ctx.inputs[2]?.slot : nil, output: ctx.outputs[0].slot, count: ctx.outputs[0].count)
    }
}

/// Clip whose bounds are computed at run time.
struct DynamicClipKernel: Kernel, @unchecked Sendable {
    let input: Slot, low: Slot?, high: Slot?, output: Slot
    let count: Int

    func run(_ context: RunContext) {
        let lo = low.map { context.floats($0)[0] } ?? -Float.greatestFiniteMagnitude
        let hi = high.map { context.floats($0)[0] } ?? Float.greatestFiniteMagnitude
        nnk_activation(Int32(NNK_ACT_CLIP), lo, hi, context.floats(input), context.floats(output), Int64(count))
    }
}
