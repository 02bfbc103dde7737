/// ONNX Unsqueeze: axes (of the output) as an attribute (opsets 1–12) or an input (13+). A view.
struct Unsqueeze: Operator {
    let attributeAxes: [Int64]?
    init(_ a: Attributes) throws(RuntimeError) { attributeAxes = try a.ints("axes") }
    var isView: Bool { true }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard let x = inputs.first ?? nil else { throw .shapeMismatch(node: node, detail: "needs data") }
        let raw = try attributeOrConstantInput(attributeAxes, inputs, at: 1, what: "axes", node: node)
        guard let raw else { throw .shapeMismatch(node: node, detail: "needs axes") }
        let rank = x.shape.count + raw.count
        var axes = Set<Int>()
        for a in raw {
            let n = try normalizeAxis(a, rank: rank, node: node)
            guard axes.insert(n).inserted else { throw .shapeMismatch(node: node, detail: "axis \(a) repeated") }
        }
        var out: [Int] = []
        var it = x.shape.makeIterator()
        for i in 0..<rank { out.append(axes.contains(i) ? 1 : it.next() ?? 1) }
        return [OutputFact(type: x.type, shape: out)]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int { 0 }
    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel { NoKernel() }
}
