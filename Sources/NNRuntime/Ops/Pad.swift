/// ONNX Pad: modes constant, edge, reflect and wrap; pads as an attribute (opsets 1–10) or an
/// input (11+), the value as an attribute or an optional input, optional `axes` input (18+).
/// Non-negative pads only.
struct Pad: Operator {
    enum Mode: String, Sendable { case constant, edge, reflect, wrap }
    let mode: Mode
    let attributePads: [Int64]?
    let attributeValue: Float

    init(_ a: Attributes) throws(RuntimeError) {
        let name = try a.string("mode", "constant")
        guard let m = Mode(rawValue: name) else { throw a.fail("mode '\(name)' is not supported (constant, edge, reflect, wrap)") }
        mode = m
        attributePads = try a.ints(a.opset < 2 ? "paddings" : "pads")
        attributeValue = try a.float("value", 0)
    }

    func pads(_ inputs: [InputFact?], rank: Int, node: String) throws(RuntimeError) -> [Int] {
        let raw = try attributeOrConstantInput(attributePads, inputs, at: 1, what: "pads", node: node)
        guard let raw else { throw .shapeMismatch(node: node, detail: "needs pads") }
        var axes = Array(0..<rank)
        if inputs.count > 3, let ax = inputs[3] {
            guard let c = ax.constant else { throw .shapeMismatch(node: node, detail: "axes must be known when the plan is made") }
            axes = []
            for a in c.int64Array() { axes.append(try normalizeAxis(a, rank: rank, node: node)) }
        }
        guard raw.count == 2 * axes.count else { throw .shapeMismatch(node: node, detail: "pads \(raw) should have \(2 * axes.count) values") }
        guard raw.allSatisfy({ $0 >= 0 }) else { throw .shapeMismatch(node: node, detail: "negative pads \(raw) are not supported") }
        var full = [Int](repeating: 0, count: 2 * rank)
        for (i, a) in axes.enumerated() {
            full[a] = Int(raw[i])
            full[rank + a] = Int(raw[axes.count + i])
        }
        return full
    }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard let x = inputs.first ?? nil else { throw .shapeMismatch(node: node, detail: "needs data") }
        let p = try pads(inputs, rank: x.shape.count, node: node)
        if mode == .reflect {
            for d in x.shape.indices where p[d] >= x.shape[d] || p[x.shape.count + d] >= x.shape[d] {
                throw .shapeMismatch(node: node, detail: "reflect pads \(p) must be smaller than the input dims \(x.shape)")
            }
        }
        if inputs.count > 2, let v = inputs[2], v.count < 1 || v.type != x.type {
            throw .shapeMismatch(node: node, detail: "constant_value should be one \(x.type) value, is \(v.type) \(v.shape)")
        }
        if mode != .constant, x.count == 0, p.contains(where: { $0 > 0 }) {
            throw .shapeMismatch(node: node, detail: "cannot \(mode.rawValue)-pad an empty tensor")
        }
        var out: [Int] = []
        for d in x.shape.indices {
            let begin = try checkedAdd(x.shape[d], p[d], node: node, "dim \(d) of \(x.shape) padded by \(p)")
            out.append(try checkedAdd(begin, p[x.shape.count + d], node: node, "dim \(d) of \(x.shape) padded by \(p)"))
        }
        return [OutputFact(type: x.type, shape: out)]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int { 0 }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        let x = ctx.inputs[0]!
        let facts = ctx.inputs.map { $0.map { InputFact(type: $0.type, shape: $0.shape, constant: $0.constant) } }
        let p = try pads(facts, rank: x.shape.count, node: ctx.node)
        let value: Slot? = ctx.inputs.count > 2 ? ctx.inputs[2]?.slot : nil
        if mode != .constant {
            return IndexPadKernel(mode: mode, input: x.slot, output: ctx.outputs[0].slot, inShape: x.shape, pads: p, bytes: x.type.byteSize)
        }
        return PadKernel(input: x.slot, output: ctx.outputs[0].slot, inShape: x.shape, pads: p, value: value, attributeValue: attributeValue, type: x.type)
    }
}

/// Fills the output with the pad value and copies the input's innermost rows into place.
struct PadKernel: Kernel, @unchecked Sendable {
    let input: Slot, output: Slot
    let inShape: [Int], pads: [Int]
    let value: Slot?
    let attributeValue: Float
    let type: ElementTypeR
    let outShape: [Int], outStrides: [Int]

    init(input: Slot, output: Slot, inShape: [Int], pads: [Int], value: Slot?, attributeValue: Float, type: ElementTypeR) {
        self.input = input
        self.output = output
        self.inShape = inShape
        self.pads = pads
        self.value = value
        self.attributeValue = attributeValue
        self.type = type
        outShape = inShape.indices.map { inShape[$0] + pads[$0] + pads[inShape.count + $0] }
        outStrides = contiguousStrides(outShape)
    }

    func run(_ context: RunContext) {
        let rank = inShape.count
        let outCount = outShape.reduce(1, *)
        let bytes = type.byteSize
        if type == .float {
            let v = value.map { context.floats($0)[0] } ?? attributeValue
            context.floats(output).update(repeating: v, count: outCount)
        } else {
            let v = value.map { context.int64s($0)[0] } ?? Int64(attributeValue)
            context.int64s(output).update(repeating: v, count: outCount)
        }
        let inCount = inShape.reduce(1, *)
        guard inCount > 0 else { return }
        let x = context.pointer(input), y = context.pointer(output)
        let row = rank == 0 ? 1 : inShape[rank - 1]
        withUnsafeTemporaryAllocation(of: Int.self, capacity: max(rank, 1)) { index in
            index.initialize(repeating: 0)
            var src = 0
            while src < inCount {
                var dst = rank == 0 ? 0 : pads[rank - 1]
                for d in 0..<max(rank - 1, 0) { dst += (index[d] + pads[d]) * outStrides[d] }
                (y + dst * bytes).copyMemory(from: x + src * bytes, byteCount: row * bytes)
                src += row
                var d = rank - 2
                while d >= 0 {
                    index[d] += 1
                    if index[d] < inShape[d] { break }
                    index[d] = 0
                    d -= 1
                }
            }
        }
    }
}

/// Edge, reflect and wrap padding: every output element copies the input element its index maps to.
struct IndexPadKernel: Kernel, @unchecked Sendable {
    let mode: Pad.Mode
    let input: Slot, output: Slot
    let inShape: [Int], pads: [Int]
    let bytes: Int

    func source(_ i: Int, _ n: Int) -> Int {
        switch mode {
        case .edge: return min(max(i, 0), n - 1)
        case .wrap: return ((i % n) + n) % n
        case .reflect:
            if n == 1 { return 0 }
            let period = 2 * (n - 1)
            var j = ((i % period) + period) % period
            if j >= n { j = period - j }
            return j
        case .constant: return i
        }
    }

    func run(_ context: RunContext) {
        let rank = inShape.count
        let outShape = inShape.indices.map { inShape[$0] + pads[$0] + pads[rank + $0] }
        let outCount = outShape.reduce(1, *)
        let inStrides = contiguousStrides(inShape)
        let x = context.pointer(input), y = context.pointer(output)
        // Edge/reflect/wrap padding is rare in CNNs: this path favours clarity over speed.
        var index = [Int](repeating: 0, count: rank)
        for o in 0..<outCount {
            var src = 0
            for d in 0..<rank { src += source(index[d] - pads[d], inShape[d]) * inStrides[d] }
            (y + o * bytes).copyMemory(from: x + src * bytes, byteCount: bytes)
            var d = rank - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < outShape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
    }
}
