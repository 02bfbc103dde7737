/// ONNX Reshape (opset 5+: shape as an input, known when the plan is made): 0 copies the input
/// dimension unless `allowzero`, -1 is inferred. A view.
struct Reshape: Operator {
    let allowZero: Bool
    let attributeShape: [Int64]?

    init(_ a: Attributes) throws(RuntimeError) {
        allowZero = try a.int("allowzero", 0) != 0
        attributeShape = a.opset < 5 ? try a.ints("shape") : nil
    }

    var isView: Bool { true }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard let x = inputs.first ?? nil else { throw .shapeMismatch(node: node, detail: "needs data") }
        var spec: [Int64]
        if let s = attributeShape {
            spec = s
        } else {
            guard inputs.count > 1, let s = inputs[1] else { throw .shapeMismatch(node: node, detail: "needs a shape input") }
            guard let c = s.constant, c.type == .int64 else {
                throw .shapeMismatch(node: node, detail: "the target shape must be an int64 value known when the plan is made")
            }
            spec = c.int64Array()
        }
        var out: [Int] = []
        var inferred: Int?
        for (i, d) in spec.enumerated() {
            if d == -1 {
                guard inferred == nil else { throw .shapeMismatch(node: node, detail: "more than one -1 in \(spec)") }
                inferred = i
                out.append(1)
            } else if d == 0 && !allowZero {
                guard i < x.shape.count else { throw .shapeMismatch(node: node, detail: "0 at position \(i) but the input has rank \(x.shape.count)") }
                out.append(x.shape[i])
            } else {
                guard d >= 0 else { throw .shapeMismatch(node: node, detail: "invalid dimension \(d) in \(spec)") }
                out.append(Int(d))
            }
        }
        let total = x.count
        // Dims come from the file: multiply with overflow checks (a product that overflows cannot equal `total`).
        var product = 1
        for d in out {
            let (p, o) = product.multipliedReportingOverflow(by: d)
            guard !o else { throw .shapeMismatch(node: node, detail: "cannot reshape \(x.shape) (\(total) elements) to \(spec): the dimensions overflow") }
            product = p
        }
        if let i = inferred {
            let rest = product
            guard rest > 0, total % rest == 0 else { throw .shapeMismatch(node: node, detail: "cannot reshape \(x.shape) to \(spec)") }
            out[i] = total / rest
            product = total
        }
        guard product == total else { throw .shapeMismatch(node: node, detail: "cannot reshape \(x.shape) (\(total) elements) to \(out)") }
        return [OutputFact(type: x.type, shape: out)]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int { 0 }
    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel { NoKernel() }
}
