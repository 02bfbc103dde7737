/// ONNX Flatten: (d0, ..., dn) → (d0 × ... × d(axis-1), d(axis) × ... × dn); a view.
struct Flatten: Operator {
    let axis: Int64
    init(_ a: Attributes) throws(RuntimeError) { axis = try a.int("axis", 1) }
    var isView: Bool { true }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard let x = inputs.first ?? nil else { throw .shapeMismatch(node: node, detail: "needs an input") }
        let r = x.shape.count
        let a = Int(axis) < 0 ? Int(axis) + r : Int(axis)
        guard a >= 0, a <= r else { throw .shapeMismatch(node: node, detail: "axis \(axis) out of range for rank \(r)") }
        return [OutputFact(type: x.type, shape: [x.shape[..<a].reduce(1, *), x.shape[a...].reduce(1, *)])]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int { 0 }
    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel { NoKernel() }
}
