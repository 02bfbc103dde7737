/// ONNX Shape: the input's dimensions as int64 (opset 15: `start`/`end` slice). Needs only the
/// input's shape, so it always folds to a constant when the plan is made.
struct ShapeOp: Operator {
    let start: Int64
    let end: Int64?

    init(_ a: Attributes) throws(RuntimeError) {
        start = try a.int("start", 0)
        end = a.has("end") ? try a.int("end", 0) : nil
    }

    var needsInputValues: Bool { false }

    func slice(_ rank: Int) -> Range<Int> {
        func clamp(_ v: Int64) -> Int { min(max(Int(v) < 0 ? Int(v) + rank : Int(v), 0), rank) }
        let s = clamp(start), e = end.map(clamp) ?? rank
        return s..<max(s, e)
    }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard let x = inputs.first ?? nil else { throw .shapeMismatch(node: node, detail: "needs data") }
        return [OutputFact(type: .int64, shape: [slice(x.shape.count).count])]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int { 0 }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        let x = ctx.inputs[0]!
        let dims = x.shape[slice(x.shape.count)].map(Int64.init)
        return CopyKernel(input: .host(HostBuffer(int64s: dims)), output: ctx.outputs[0].slot, bytes: dims.count * 8, ones: nil)
    }
}
