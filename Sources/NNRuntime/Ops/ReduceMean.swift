/// ONNX ReduceMean: axes as an attribute (opsets 1–17) or an optional input (18+), keepdims,
/// noop_with_empty_axes. PyTorch exports global average pooling as ReduceMean over (2, 3).
struct ReduceMean: Operator {
    let attributeAxes: [Int64]?
    let keepDims: Bool
    let noopWithEmptyAxes: Bool
    let axesFromInput: Bool

    init(_ a: Attributes) throws(RuntimeError) {
        attributeAxes = try a.ints("axes")
        keepDims = try a.int("keepdims", 1) != 0
        noopWithEmptyAxes = try a.int("noop_with_empty_axes", 0) != 0
        axesFromInput = a.opset >= 18
    }

    func axes(_ inputs: [InputFact?], rank: Int, node: String) throws(RuntimeError) -> [Int]? {
        let raw = try attributeOrConstantInput(attributeAxes, axesFromInput ? inputs : [], at: 1, what: "axes", node: node)
        guard let list = raw, !list.isEmpty else { return noopWithEmptyAxes ? nil : Array(0..<rank) }
        var out: [Int] = []
        for a in list { out.append(try normalizeAxis(a, rank: rank, node: node)) }
        return Array(Set(out)).sorted()
    }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard let x = inputs.first ?? nil, x.type == .float else { throw .shapeMismatch(node: node, detail: "needs a float input") }
        guard let axes = try axes(inputs, rank: x.shape.count, node: node) else { return [OutputFact(type: .float, shape: x.shape)] }
        var out: [Int] = []
        for (i, d) in x.shape.enumerated() {
            if axes.contains(i) { if keepDims { out.append(1) } } else { out.append(d) }
        }
        return [OutputFact(type: .float, shape: out)]
    }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        let x = ctx.inputs[0]!
        let facts = ctx.inputs.map { $0.map { InputFact(type: $0.type, shape: $0.shape, constant: $0.constant) } }
        let axes = try axes(facts, rank: x.shape.count, node: ctx.node) ?? []
        return ReduceMeanKernel(input: x.slot, output: ctx.outputs[0].slot, shape: x.shape, axes: axes)
    }
}

/// Mean over a set of axes; the reduced axes need not be contiguous.
struct ReduceMeanKernel: Kernel, @unchecked Sendable {
    let input: Slot, output: Slot
    let shape: [Int]
    let axes: [Int]
    let outCount: Int
    let reduceCount: Int
    let inStrides: [Int]
    let keptDims: [Int], reducedDims: [Int]

    init(input: Slot, output: Slot, shape: [Int], axes: [Int]) {
        self.input = input
        self.output = output
        self.shape = shape
        self.axes = axes
        inStrides = contiguousStrides(shape)
        keptDims = (0..<shape.count).filter { !axes.contains($0) }
        reducedDims = axes
        outCount = keptDims.map { shape[$0] }.reduce(1, *)
        reduceCount = axes.map { shape[$0] }.reduce(1, *)
    }

    func run(_ context: RunContext) {
        let x = context.floats(input), y = context.floats(output)
        // Fast path: the reduced axes are the innermost ones (global average pooling).
        if reducedDims == Array((shape.count - reducedDims.count)..<shape.count) {
            for o in 0..<outCount {
                var s: Float = 0
                let base = x + o * reduceCount
                for i in 0..<reduceCount { s += base[i] }
                y[o] = s / Float(max(reduceCount, 1))
            }
            return
        }
        for o in 0..<outCount {
            var offset = 0, rest = o
            for d in keptDims.reversed() {
                offset += (rest % shape[d]) * inStrides[d]
                rest /= shape[d]
            }
            var s: Float = 0
            for r in 0..<reduceCount {
                var off = offset, rr = r
                for d in reducedDims.reversed() {
                    off += (rr % shape[d]) * inStrides[d]
                    rr /= shape[d]
                }
                s += x[off]
            }
            y[o] = s / Float(max(reduceCount, 1))
        }
    }
}
