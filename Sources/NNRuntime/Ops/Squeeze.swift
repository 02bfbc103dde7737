/// ONNX Squeeze: axes as an attribute (opsets 1–12) or an optional input (13+); without axes,
/// every dimension of size 1 goes. A view.
struct Squeeze: Operator {
    let attributeAxes: [Int64]?
    init(_ a: Attributes) throws(RuntimeError) { attributeAxes = try a.ints("axes") }
    var isView: Bool { true }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard let x = inputs.first ?? nil else { throw .shapeMismatch(node: node, detail: "needs data") }
        let raw = try attributeOrConstantInput(attributeAxes, inputs, at: 1, what: "axes", node: node)
        var axes = Set<Int>()
        if let raw {
            for a in raw {
                let n = try normalizeAxis(a, rank: x.shape.count, node: node)
                guard x.shape[n] == 1 else { throw .shapeMismatch(node: node, detail: "cannot squeeze axis \(a) of size \(x.shape[n])") }
                axes.insert(n)
            }
        } else {
            axes = Set(x.shape.indices.filter { x.shape[$0] == 1 })
        }
        return [OutputFact(type: x.type, shape: x.shape.indices.filter { !axes.contains($0) }.map { x.shape[$0] })]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int { 0 }
    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel { NoKernel() }
}
