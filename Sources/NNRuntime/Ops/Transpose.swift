/// ONNX Transpose: permutes dimensions (default: reverses them); float32 and int64.
struct Transpose: Operator {
    let perm: [Int64]?
    init(_ a: Attributes) throws(RuntimeError) { perm = try a.ints("perm") }

    func permutation(rank: Int, node: String) throws(RuntimeError) -> [Int] {
        let p = perm.map { $0.map(Int.init) } ?? Array((0..<rank).reversed())
        guard p.count == rank, Set(p) == Set(0..<rank) else { throw .shapeMismatch(node: node, detail: "perm \(p) is not a permutation of rank \(rank)") }
        return p
    }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard let x = inputs.first ?? nil else { throw .shapeMismatch(node: node, detail: "needs data") }
        let p = try permutation(rank: x.shape.count, node: node)
        return [OutputFact(type: x.type, shape: p.map { x.shape[$0] })]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int { 0 }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        let x = ctx.inputs[0]!
        let p = try permutation(rank: x.shape.count, node: ctx.node)
        let inStrides = contiguousStrides(x.shape)
        return TransposeKernel(input: x.slot, output: ctx.outputs[0].slot, outShape: p.map { x.shape[$0] }, strides: p.map { inStrides[$0] }, elementBytes: x.type.byteSize)
    }
}

/// Gathers elements with permuted strides into a contiguous output.
struct TransposeKernel: Kernel, @unchecked Sendable {
    let input: Slot, output: Slot
    let outShape: [Int]
    let strides: [Int]   // input stride of each output dim
    let elementBytes: Int

    func run(_ context: RunContext) {
        let count = outShape.reduce(1, *)
        if count == 0 { return }
        let rank = outShape.count
        if elementBytes == 4 {
            copy(context.floats(input), context.floats(output), count: count, rank: rank)
        } else {
            copy(context.int64s(input), context.int64s(output), count: count, rank: rank)
        }
    }

    private func copy<T>(_ x: UnsafeMutablePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int, rank: Int) {
        if rank == 0 { y[0] = x[0]; return }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: rank) { index in
            index.initialize(repeating: 0)
            var offset = 0
            let inner = outShape[rank - 1], innerStride = strides[rank - 1]
            var o = 0
            while o < count {
                for j in 0..<inner { y[o + j] = x[offset + j * innerStride] }
                o += inner
                var d = rank - 2
                while d >= 0 {
                    index[d] += 1
                    offset += strides[d]
                    if index[d] < outShape[d] { break }
                    offset -= strides[d] * outShape[d]
                    index[d] = 0
                    d -= 1
                }
            }
        }
    }
}
