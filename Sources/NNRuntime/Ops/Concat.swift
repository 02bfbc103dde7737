/// ONNX Concat along `axis` (negative allowed from opset 11); float32 and int64.
struct Concat: Operator {
    let axis: Int64
    init(_ a: Attributes) throws(RuntimeError) {
        guard a.has("axis") || a.opset < 4 else { throw a.fail("axis is required") }
        axis = try a.int("axis", 1)
    }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        let xs = inputs.compactMap { $0 }
        guard let first = xs.first else { throw .shapeMismatch(node: node, detail: "needs inputs") }
        let a = try normalizeAxis(axis, rank: first.shape.count, node: node)
        var out = first.shape
        out[a] = 0
        for x in xs {
            guard x.type == first.type, x.shape.count == first.shape.count else { throw .shapeMismatch(node: node, detail: "inputs differ in type or rank") }
            for d in x.shape.indices where d != a && x.shape[d] != first.shape[d] {
                throw .shapeMismatch(node: node, detail: "shapes \(first.shape) and \(x.shape) differ outside axis \(a)")
            }
            out[a] = try checkedAdd(out[a], x.shape[a], node: node, "the concatenated dim \(a)")
        }
        return [OutputFact(type: first.type, shape: out)]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int { 0 }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        let xs = ctx.inputs.compactMap { $0 }
        let a = try normalizeAxis(axis, rank: xs[0].shape.count, node: ctx.node)
        let outer = xs[0].shape[..<a].reduce(1, *)
        let bytes = xs[0].type.byteSize
        let blocks = xs.map { ($0.slot, $0.shape[a...].reduce(1, *) * bytes) }
        return ConcatKernel(inputs: blocks, output: ctx.outputs[0].slot, outer: outer)
    }
}

/// Interleaves the inputs' blocks along the concat axis.
struct ConcatKernel: Kernel, @unchecked Sendable {
    let inputs: [(Slot, Int)]  // slot, bytes per outer step
    let output: Slot
    let outer: Int

    func run(_ context: RunContext) {
        let y = context.pointer(output)
        let rowBytes = inputs.reduce(0) { $0 + $1.1 }
        var column = 0
        for (slot, bytes) in inputs {
            let x = context.pointer(slot)
            for o in 0..<outer {
                (y + o * rowBytes + column).copyMemory(from: x + o * bytes, byteCount: bytes)
            }
            column += bytes
        }
    }
}
