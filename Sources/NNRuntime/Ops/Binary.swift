import CKernels

/// ONNX Add, Sub, Mul and Div with numpy broadcasting, on float32 and int64.
struct Binary: Operator {
    enum Op: Int32, Sendable { case add = 0, sub = 1, mul = 2, div = 3 }
    let op: Op
    /// Opsets before 7: with `broadcast=1`, B's dims line up with A's starting at `axis`.
    let legacyAxis: Int64?

    init(_ a: Attributes, op: Op) throws(RuntimeError) {
        self.op = op
        let broadcast = try a.int("broadcast", 0) != 0
        legacyAxis = a.opset < 7 && broadcast && a.has("axis") ? try a.int("axis", 0) : nil
    }

    init(op: Op) {
        self.op = op
        legacyAxis = nil
    }

    /// B's shape as numpy broadcasting should see it.
    func alignedB(_ a: [Int], _ b: [Int], node: String) throws(RuntimeError) -> [Int] {
        guard let axis = legacyAxis else { return b }
        let start = Int(axis) < 0 ? Int(axis) + a.count : Int(axis)
        guard start >= 0, start + b.count <= a.count else { throw .shapeMismatch(node: node, detail: "legacy broadcast of \(b) at axis \(axis) does not fit \(a)") }
        return Array(repeating: 1, count: start) + b + Array(repeating: 1, count: a.count - start - b.count)
    }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard inputs.count == 2, let a = inputs[0], let b = inputs[1] else { throw .shapeMismatch(node: node, detail: "needs two inputs") }
        guard a.type == b.type else { throw .shapeMismatch(node: node, detail: "input types differ (\(a.type), \(b.type))") }
        return [OutputFact(type: a.type, shape: try broadcastShapes(a.shape, try alignedB(a.shape, b.shape, node: node), node: node))]
    }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        let a = ctx.inputs[0]!, y = ctx.outputs[0]
        var b = ctx.inputs[1]!
        b.shape = try alignedB(a.shape, b.shape, node: ctx.node)
        let rank = y.shape.count
        func strides(_ shape: [Int]) -> [Int64] {
            let padded = Array(repeating: 1, count: rank - shape.count) + shape
            let s = contiguousStrides(padded)
            return (0..<rank).map { padded[$0] == 1 ? 0 : Int64(s[$0]) }
        }
        if rank > 8 { throw .shapeMismatch(node: ctx.node, detail: "rank \(rank) is over the supported 8") }
        return BinaryKernel(op: op, type: y.type, a: a.slot, b: b.slot, output: y.slot, shape: y.shape.map(Int64.init),
                            aStrides: strides(a.shape), bStrides: strides(b.shape))
    }
}

/// Broadcasting binary arithmetic.
struct BinaryKernel: Kernel, @unchecked Sendable {
    let op: Binary.Op
    let type: ElementTypeR
    let a: Slot, b: Slot, output: Slot
    let shape: [Int64]
    let aStrides: [Int64], bStrides: [Int64]

    func run(_ context: RunContext) {
        if type == .float {
            shape.withUnsafeBufferPointer { s in
                nnk_binary_strided(op.rawValue, Int32(shape.count), s.baseAddress, context.floats(a), aStrides, context.floats(b), bStrides, context.floats(output))
            }
            return
        }
        // int64: shape arithmetic, small.
        let x = context.int64s(a), z = context.int64s(b), y = context.int64s(output)
        let count = Int(shape.reduce(1, *))
        var index = [Int64](repeating: 0, count: shape.count)
        for i in 0..<count {
            var ia = 0, ib = 0
            for d in 0..<shape.count {
                ia += Int(index[d] * aStrides[d])
                ib += Int(index[d] * bStrides[d])
            }
            let l = x[ia], r = z[ib]
            switch op {
            case .add: y[i] = l &+ r
            case .sub: y[i] = l &- r
            case .mul: y[i] = l &* r
            case .div: y[i] = r == 0 ? 0 : l / r
            }
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
    }
}
