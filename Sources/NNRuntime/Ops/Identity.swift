/// ONNX Identity: a view of its input (no copy).
struct Identity: Operator {
    init(_ a: Attributes) throws(RuntimeError) {}
    var isView: Bool { true }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard let x = inputs.first ?? nil else { throw .shapeMismatch(node: node, detail: "needs an input") }
        return [OutputFact(type: x.type, shape: x.shape)]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int { 0 }
    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel { NoKernel() }
}
