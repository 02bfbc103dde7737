import CKernels

/// ONNX GlobalAveragePool and GlobalMaxPool: (N, C, *spatial) → (N, C, 1, ...).
struct GlobalPool: Operator {
    enum Kind: Sendable { case max, average }
    let kind: Kind

    init(_ a: Attributes, kind: Kind) throws(RuntimeError) { self.kind = kind }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard let x = inputs.first ?? nil, x.type == .float, x.shape.count >= 3 else { throw .shapeMismatch(node: node, detail: "needs a float input of rank ≥ 3") }
        return [OutputFact(type: .float, shape: Array(x.shape[..<2]) + Array(repeating: 1, count: x.shape.count - 2))]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int { inputs.first??.count ?? 0 }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        let x = ctx.inputs[0]!
        return GlobalPoolKernel(max: kind == .max, input: x.slot, output: ctx.outputs[0].slot, planes: x.shape[0] * x.shape[1], size: x.shape[2...].reduce(1, *))
    }
}

struct GlobalPoolKernel: Kernel, @unchecked Sendable {
    let max: Bool
    let input: Slot, output: Slot
    let planes: Int, size: Int

    func run(_ context: RunContext) {
        if max {
            nnk_global_maxpool(Int64(planes), Int64(size), context.floats(input), context.floats(output))
        } else {
            nnk_global_avgpool(Int64(planes), Int64(size), context.floats(input), context.floats(output))
        }
    }
}
