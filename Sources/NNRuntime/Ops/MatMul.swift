import CKernels

/// ONNX MatMul with numpy semantics: 1-D operands promoted, leading dims broadcast.
/// A constant 2-D B is packed once and the whole batch runs as one GEMM.
struct MatMul: Operator {
    let packCache = GemmPackCache()

    init(_ a: Attributes) throws(RuntimeError) {}

    struct Layout {
        var batch: [Int]       // broadcast batch dims of the output
        var m: Int, n: Int, k: Int
        var outShape: [Int]
        var aBatchStrides: [Int], bBatchStrides: [Int]  // in matrices
        var batchStrides: [Int] { contiguousStrides(batch) }
    }

    func layout(_ a: [Int], _ b: [Int], node: String) throws(RuntimeError) -> Layout {
        guard !a.isEmpty, !b.isEmpty else { throw .shapeMismatch(node: node, detail: "MatMul operands must not be scalars") }
        let a2 = a.count == 1 ? [1, a[0]] : a
        let b2 = b.count == 1 ? [b[0], 1] : b
        let m = a2[a2.count - 2], k = a2[a2.count - 1], k2 = b2[b2.count - 2], n = b2[b2.count - 1]
        guard k == k2 else { throw .shapeMismatch(node: node, detail: "A \(a) and B \(b) do not multiply") }
        let batchA = Array(a2.dropLast(2)), batchB = Array(b2.dropLast(2))
        let batch = try broadcastShapes(batchA, batchB, node: node)
        func strides(_ dims: [Int]) -> [Int] {
            let padded = Array(repeating: 1, count: batch.count - dims.count) + dims
            let s = contiguousStrides(padded)
            return (0..<batch.count).map { padded[$0] == 1 ? 0 : s[$0] }
        }
        var out = batch
        if a.count > 1 { out.append(m) }
        if b.count > 1 { out.append(n) }
        return Layout(batch: batch, m: m, n: n, k: k, outShape: out, aBatchStrides: strides(batchA), bBatchStrides: strides(batchB))
    }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard inputs.count == 2, let a = inputs[0], let b = inputs[1], a.type == .float, b.type == .float else {
            throw .shapeMismatch(node: node, detail: "MatMul needs two float inputs")
        }
        return [OutputFact(type: .float, shape: try layout(a.shape, b.shape, node: node).outShape)]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int {
        guard let a = inputs[0], let b = inputs[1], let l = try? layout(a.shape, b.shape, node: "") else { return 0 }
        return saturatingProduct([2, saturatingProduct(l.batch), l.m, l.n, l.k])
    }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        let a = ctx.inputs[0]!, b = ctx.inputs[1]!
        var l = try layout(a.shape, b.shape, node: ctx.node)
        // A batch over A only with a shared B is one tall GEMM.
        if l.bBatchStrides.allSatisfy({ $0 == 0 }) && !l.batch.isEmpty && (l.aBatchStrides.last ?? 0) != 0 && l.aBatchStrides == contiguousStrides(l.batch).map({ $0 }) {
            l.m *= l.batch.reduce(1, *)
            l.batch = []
            l.aBatchStrides = []
            l.bBatchStrides = []
        }
        var packed: HostBuffer?
        if l.batch.isEmpty, let constant = b.constant { packed = try packCache.packed(constant.buffer, k: l.k, n: l.n, transB: false) }
        let tasks = Int(nnk_sgemm_task_count(Int64(l.m), Int64(l.n), Int64(l.k), Int32(ctx.threads)))
        return MatMulKernel(layout: l, batchStrides: l.batchStrides, a: a.slot, b: b.slot, packed: packed, output: ctx.outputs[0].slot, tasks: max(tasks, 1),
                            workspaceFloatsPerTask: Int(nnk_sgemm_workspace_floats(Int64(l.m), Int64(l.n), Int64(l.k))))
    }
}

/// Batched SGEMM.
struct MatMulKernel: WorkspaceKernel, @unchecked Sendable {
    let layout: MatMul.Layout
    let batchStrides: [Int]
    let a: Slot, b: Slot
    let packed: HostBuffer?
    let output: Slot
    let tasks: Int
    let workspaceFloatsPerTask: Int

    func run(_ context: RunContext) {
        let l = layout
        var ep = nnk_epilogue()
        nnk_epilogue_init(&ep)
        let pa = context.floats(a), pb = context.floats(b), y = context.floats(output)
        let count = l.batch.reduce(1, *)
        for i in 0..<count {
            var ia = 0, ib = 0, rest = i
            for d in 0..<l.batch.count {
                let idx = rest / batchStrides[d]
                rest %= batchStrides[d]
                ia += idx * l.aBatchStrides[d]
                ib += idx * l.bBatchStrides[d]
            }
            let A = pa + ia * l.m * l.k, B = pb + ib * l.k * l.n, C = y + i * l.m * l.n
            let pp: UnsafePointer<Float>? = packed.map { UnsafePointer($0.floats) }
            context.parallel(tasks) { t, participant in
                nnk_sgemm(Int64(l.m), Int64(l.n), Int64(l.k), 1, A, Int64(l.k), 1, pp == nil ? B : nil, Int64(l.n), 1, pp,
                          C, Int64(l.n), &ep, context.workspace(participant: participant), Int64(t), Int64(tasks))
            }
        }
    }
}
