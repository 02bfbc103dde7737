/// ONNX Dropout under eval semantics: the identity, whatever the ratio and whatever training mode
/// the file asks for (`is_test=0` before opset 7, a true `training_mode` input from 12). An
/// optional mask output is all ones (as float). `RemoveDropout` deletes the node entirely.
struct Dropout: Operator {
    let evalNote: String?
    let trainingModeInput: Bool

    init(_ a: Attributes) throws(RuntimeError) {
        var notes: [String] = []
        if a.opset < 7, try a.int("is_test", 0) == 0 { notes.append("is_test=0 asks for training behaviour") }
        trainingModeInput = a.node.inputs.count > 2 && !a.node.inputs[2].isEmpty
        if trainingModeInput { notes.append("has a training_mode input") }
        evalNote = notes.isEmpty ? nil : notes.joined(separator: "; ") + "; Dropout is the identity (eval semantics)"
    }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard let x = inputs.first ?? nil else { throw .shapeMismatch(node: node, detail: "needs an input") }
        return [OutputFact(type: x.type, shape: x.shape), OutputFact(type: .float, shape: x.shape)]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int { 0 }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        let x = ctx.inputs[0]!
        return CopyKernel(input: x.slot, output: ctx.outputs[0].slot, bytes: x.count * x.type.byteSize,
                          ones: ctx.outputs.count > 1 ? (ctx.outputs[1].slot, x.count) : nil)
    }
}

/// Copies a tensor (and optionally fills a second output with ones).
struct CopyKernel: Kernel, @unchecked Sendable {
    let input: Slot, output: Slot
    let bytes: Int
    let ones: (Slot, Int)?

    func run(_ context: RunContext) {
        let src = context.pointer(input), dst = context.pointer(output)
        if src != dst { dst.copyMemory(from: src, byteCount: bytes) }
        if let (slot, n) = ones { context.floats(slot).update(repeating: 1, count: n) }
    }
}
