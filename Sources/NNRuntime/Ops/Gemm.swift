import CKernels

/// ONNX Gemm: Y = alpha * A' * B' + beta * C, with transA/transB and C broadcast to (M, N).
/// A constant B is packed once; a constant C becomes the epilogue's bias (per column or per row)
/// or residual; a fused epilogue (activation, channel affine) applies per column.
struct Gemm: Operator {
    var alpha: Float
    var beta: Float
    var transA: Bool
    var transB: Bool
    var epilogue = Epilogue()
    let packCache = GemmPackCache()

    init(_ a: Attributes) throws(RuntimeError) {
        alpha = try a.float("alpha", 1)
        beta = try a.float("beta", 1)
        transA = try a.int("transA", 0) != 0
        transB = try a.int("transB", 0) != 0
        if try a.int("broadcast", 1) == 0, a.opset < 7 { /* pre-7 files without broadcast still have matching C */ }
    }

    var fusionSummary: String? { epilogue.summary }

    func dims(_ a: [Int], _ b: [Int], node: String) throws(RuntimeError) -> (m: Int, n: Int, k: Int) {
        guard a.count == 2, b.count == 2 else { throw .shapeMismatch(node: node, detail: "A \(a) and B \(b) must be 2-D") }
        let (m, k) = transA ? (a[1], a[0]) : (a[0], a[1])
        let (k2, n) = transB ? (b[1], b[0]) : (b[0], b[1])
        guard k == k2 else { throw .shapeMismatch(node: node, detail: "A \(a) and B \(b) do not multiply (transA=\(transA), transB=\(transB))") }
        return (m, n, k)
    }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard inputs.count >= 2, let a = inputs[0], let b = inputs[1], a.type == .float, b.type == .float else {
            throw .shapeMismatch(node: node, detail: "Gemm needs float A and B")
        }
        let (m, n, _) = try dims(a.shape, b.shape, node: node)
        if inputs.count > 2, let c = inputs[2] {
            let out = try broadcastShapes(c.shape, [m, n], node: node)
            guard out == [m, n] else { throw .shapeMismatch(node: node, detail: "C \(c.shape) does not broadcast to [\(m), \(n)]") }
        }
        return [OutputFact(type: .float, shape: [m, n])]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int {
        guard let a = inputs[0], let b = inputs[1], let d = try? dims(a.shape, b.shape, node: "") else { return 0 }
        return saturatingProduct([2, d.m, d.n, d.k])
    }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        let a = ctx.inputs[0]!, b = ctx.inputs[1]!, y = ctx.outputs[0]
        let (m, n, k) = try dims(a.shape, b.shape, node: ctx.node)
        var bias: Slot?
        var channelAxis: Int32 = 1
        var residual: Slot?
        var residualLD: Int64 = 0
        var addAfter: (slot: Slot, shape: [Int], beta: Float)?
        if ctx.inputs.count > 2, let c = ctx.inputs[2], beta != 0 {
            let padded = Array(repeating: 1, count: 2 - c.shape.count) + c.shape
            if let constant = c.constant {
                let values = constant.floatValues().map { $0 * beta }
                if padded == [1, n] || padded == [1, 1] {
                    bias = .host(HostBuffer(floats: padded == [1, 1] ? Array(repeating: values[0], count: n) : values))
                } else if padded == [m, 1] {
                    bias = .host(HostBuffer(floats: values))
                    channelAxis = 0
                } else {
                    residual = .host(HostBuffer(floats: values))
                    residualLD = Int64(n)
                }
            } else if beta == 1 && padded == [m, n] {
                residual = c.slot
                residualLD = Int64(n)
            } else {
                addAfter = (c.slot, padded, beta)
            }
        }
        if epilogue.residual, let r = ctx.inputs.last??.slot {
            // A fused residual Add after Gemm (no C residual at the same time: the pass checks).
            residual = r
            residualLD = Int64(n)
        }
        if (epilogue.postScale != nil || epilogue.activation != nil) && channelAxis == 0 && bias != nil {
            throw .invalidNode(node: ctx.node, opType: "Gemm", detail: "internal: per-row bias with a per-column epilogue")
        }
        let ep = BoundEpilogue(epilogue, bias: bias, residual: residual)
        var packed: HostBuffer?
        if let constant = b.constant { packed = try packCache.packed(constant.buffer, k: k, n: n, transB: transB) }
        let aStrides: (Int64, Int64) = transA ? (1, Int64(m)) : (Int64(k), 1)
        let bStrides: (Int64, Int64) = transB ? (1, Int64(k)) : (Int64(n), 1)
        let tasks = Int(nnk_sgemm_task_count(Int64(m), Int64(n), Int64(k), Int32(ctx.threads)))
        return GemmKernel(m: m, n: n, k: k, alpha: alpha, a: a.slot, aStrides: aStrides, b: b.slot, bStrides: bStrides, packed: packed,
                          output: y.slot, epilogue: ep, channelAxis: epilogue.isEmpty ? channelAxis : 1, residualLD: residualLD,
                          tasks: max(tasks, 1), workspaceFloatsPerTask: Int(nnk_sgemm_workspace_floats(Int64(m), Int64(n), Int64(k))),
                          addAfter: addAfter.map { ($0.slot, $0.shape, $0.beta) })
    }
}

/// Packed B matrices per (buffer, geometry), shared by every plan of a session.
final class GemmPackCache: Sendable {
    private let cache = PackCacheStore()

    func packed(_ b: HostBuffer, k: Int, n: Int, transB: Bool) throws(RuntimeError) -> HostBuffer {
        try cache.value(for: b, key: [Int64(k), Int64(n), transB ? 1 : 0]) { () throws(RuntimeError) in
            let out = try HostBuffer.allocate(byteCount: Int(nnk_sgemm_packed_b_floats(Int64(k), Int64(n))) * 4, zeroed: false,
                                              what: "packed Gemm weights")
            nnk_sgemm_pack_b(Int64(k), Int64(n), b.floats, transB ? 1 : Int64(n), transB ? Int64(k) : 1, out.floats)
            return out
        }
    }
}

/// SGEMM through the packed kernel with a fused epilogue.
struct GemmKernel: WorkspaceKernel, @unchecked Sendable {
    let m: Int, n: Int, k: Int
    let alpha: Float
    let a: Slot, aStrides: (Int64, Int64)
    let b: Slot, bStrides: (Int64, Int64)
    let packed: HostBuffer?
    let output: Slot
    let epilogue: BoundEpilogue
    let channelAxis: Int32
    let residualLD: Int64
    let tasks: Int
    let workspaceFloatsPerTask: Int
    let addAfter: (slot: Slot, shape: [Int], beta: Float)?

    func run(_ context: RunContext) {
        var ep = epilogue.make(context, channelAxis: channelAxis, residualLD: residualLD)
        let pa = context.floats(a), y = context.floats(output)
        let pb: UnsafePointer<Float>? = packed == nil ? UnsafePointer(context.floats(b)) : nil
        let pp: UnsafePointer<Float>? = packed.map { UnsafePointer($0.floats) }
        context.parallel(tasks) { t, participant in
            nnk_sgemm(Int64(m), Int64(n), Int64(k), alpha, pa, aStrides.0, aStrides.1, pb, bStrides.0, bStrides.1, pp,
                      y, Int64(n), &ep, context.workspace(participant: participant), Int64(t), Int64(tasks))
        }
        if let add = addAfter {
            // Y += beta * C with C broadcast (non-constant C of an unusual shape).
            let c = context.floats(add.slot)
            let cm = add.shape[0], cn = add.shape[1]
            for i in 0..<m {
                for j in 0..<n { y[i * n + j] += add.beta * c[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)] }
            }
        }
    }
}
