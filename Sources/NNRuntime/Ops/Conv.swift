import CKernels

/// ONNX Conv (opsets 1–22) over 1, 2 or 3 spatial dims, with groups, strides, dilations,
/// explicit or automatic padding and optional bias; carries a fused epilogue after rewrites.
///
/// Inputs: X (N, C, *spatial), W (M, C/group, *kernel), optional B (M); a fused residual is an
/// extra last input with the output's shape.
struct Conv: Operator {
    var geometry: SpatialGeometry
    var group: Int
    var epilogue = Epilogue()
    /// A folded channel affine's per-output-channel scale, applied to W while packing
    /// (W'[m] = W[m]·s[m], the same products a folded copy would hold); nil: W as it is.
    var weightScale: FoldedWeightScale?
    let packCache = PackCache()

    init(_ a: Attributes) throws(RuntimeError) {
        geometry = try SpatialGeometry(a, kernelRequired: false)
        group = Int(try a.int("group", 1))
        guard group >= 1 else { throw a.fail("group \(group) must be positive") }
    }

    var fusionSummary: String? { epilogue.summary }

    /// Index of the residual input when fused.
    static let residualInput = 3

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard inputs.count >= 2, let x = inputs[0], let w = inputs[1] else { throw .shapeMismatch(node: node, detail: "Conv needs X and W") }
        guard x.type == .float, w.type == .float else { throw .shapeMismatch(node: node, detail: "Conv supports float tensors only") }
        guard x.shape.count >= 3, x.shape.count <= 5, w.shape.count == x.shape.count else {
            throw .shapeMismatch(node: node, detail: "X \(x.shape) and W \(w.shape) must both have rank 3 to 5")
        }
        let c = x.shape[1], m = w.shape[0]
        guard c % group == 0, m % group == 0, w.shape[1] == c / group else {
            throw .shapeMismatch(node: node, detail: "W \(w.shape) with group \(group) does not fit X \(x.shape)")
        }
        if inputs.count > 2, let b = inputs[2], b.shape != [m] {
            throw .shapeMismatch(node: node, detail: "bias \(b.shape) should be [\(m)]")
        }
        let r = try geometry.resolve(input: Array(x.shape[2...]), kernel: Array(w.shape[2...]), node: node)
        let out = [x.shape[0], m] + r.output
        if epilogue.residual {
            guard inputs.count > Conv.residualInput, let res = inputs[Conv.residualInput], res.shape == out else {
                throw .shapeMismatch(node: node, detail: "fused residual does not match output \(out)")
            }
        }
        return [OutputFact(type: .float, shape: out)]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int {
        guard let w = inputs[1], let out = outputs.first else { return 0 }
        return saturatingProduct([2, saturatingProduct(out.shape), saturatingProduct(Array(w.shape[1...]))])
    }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        guard let x = ctx.inputs[0], let w = ctx.inputs[1], let y = ctx.outputs.first else {
            throw .shapeMismatch(node: ctx.node, detail: "Conv needs X and W")
        }
        let bias = ctx.inputs.count > 2 ? ctx.inputs[2]?.slot : nil
        let residual = epilogue.residual ? ctx.inputs[Conv.residualInput]?.slot : nil
        let ep = BoundEpilogue(epilogue, bias: bias, residual: residual)
        let r = try geometry.resolve(input: Array(x.shape[2...]), kernel: Array(w.shape[2...]), node: ctx.node)
        if weightScale != nil && w.constant == nil {
            throw .invalidNode(node: ctx.node, opType: "Conv", detail: "internal: folded scale on non-constant weights")
        }
        let spatial = x.shape.count - 2
        // Empty operands (a zero dim) take the reference loops, which handle them; the packed path does not.
        if spatial <= 2, let weights = w.constant, !x.shape.contains(0), !w.shape.contains(0) {
            var p = params2D(x: x.shape, w: w.shape, resolved: r)
            p.no_winograd = ctx.allowWinograd ? 0 : 1
            let packed = try packCache.packed(weights.buffer, scale: weightScale, params: p)
            let tasks = Int(nnk_conv2d_task_count(&p, Int32(ctx.threads)))
            let winograd = nnk_conv2d_algorithm(&p) == Int32(NNK_CONV_ALGO_WINOGRAD_F4X3)
            return Conv2DKernel(params: p, packed: packed, input: x.slot, output: y.slot, epilogue: ep, tasks: max(tasks, 1),
                                workspaceFloatsPerTask: Int(nnk_conv2d_workspace_floats(&p)),
                                sharedFloats: Int(nnk_conv2d_shared_floats(&p, Int64(max(tasks, 1)))),
                                precisionNote: winograd ? Conv2DKernel.winogradNote : nil)
        }
        var weightSlot = w.slot
        if let weightScale, let weights = w.constant {   // the reference path reads scaled weights
            let scaled = try HostBuffer.allocate(byteCount: weights.count * 4, zeroed: false, what: "scaled conv weights")
            let per = weights.count / max(w.shape[0], 1)
            for i in 0..<weights.count { scaled.floats[i] = weights.buffer.floats[i] * weightScale.values[i / per] }
            weightSlot = .host(scaled)
        }
        return ConvReferenceKernel(input: x.slot, weights: weightSlot, output: y.slot, epilogue: ep, inShape: x.shape.map(Int64.init),
                                   kShape: r.kernel.map(Int64.init), outShape: y.shape.map(Int64.init), strides: r.strides.map(Int64.init),
                                   dilations: r.dilations.map(Int64.init), pads: r.pads.map(Int64.init), group: Int64(group), cOut: Int64(w.shape[0]),
                                   inSpatial: x.shape[2...].map(Int64.init), outSpatial: y.shape[2...].map(Int64.init))
    }
}

extension Conv {
    /// The kernel's parameters for a 1-D (as 2-D with a height of 1) or 2-D convolution.
    func params2D(x: [Int], w: [Int], resolved r: SpatialGeometry.Resolved) -> nnk_conv2d_params {
        let two = x.count == 4
        var p = nnk_conv2d_params()
        p.N = Int64(x[0]); p.C_in = Int64(x[1])
        p.H = two ? Int64(x[2]) : 1; p.W = Int64(x[two ? 3 : 2])
        p.C_out = Int64(w[0])
        p.KH = two ? Int64(r.kernel[0]) : 1; p.KW = Int64(r.kernel[two ? 1 : 0])
        p.stride_h = two ? Int64(r.strides[0]) : 1; p.stride_w = Int64(r.strides[two ? 1 : 0])
        p.dil_h = two ? Int64(r.dilations[0]) : 1; p.dil_w = Int64(r.dilations[two ? 1 : 0])
        p.pad_top = two ? Int64(r.pads[0]) : 0; p.pad_left = Int64(r.pads[two ? 1 : 0])
        p.pad_bottom = two ? Int64(r.pads[2]) : 0; p.pad_right = Int64(r.pads[two ? 3 : 1])
        p.groups = Int64(group)
        p.OH = two ? Int64(r.output[0]) : 1; p.OW = Int64(r.output[two ? 1 : 0])
        return p
    }
}

/// Packed conv weights per (weights, filter geometry), shared by every plan of a session.
/// Packing depends on the filter geometry and the algorithm (nnk_conv2d_algorithm) only, not on the batch.
final class PackCache: Sendable {
    private let store = PackCacheStore()

    func packed(_ weights: HostBuffer, scale: FoldedWeightScale?, params p: nnk_conv2d_params) throws(RuntimeError) -> HostBuffer {
        var p = p
        let key = [p.C_in, p.C_out, p.KH, p.KW, p.stride_h, p.stride_w, p.dil_h, p.dil_w, p.groups, Int64(nnk_conv2d_algorithm(&p))]
        return try store.value(forSource: scale?.key ?? weights.key, key: key) { () throws(RuntimeError) in
            let packed = try HostBuffer.allocate(byteCount: Int(nnk_conv2d_packed_weights_floats(&p)) * 4, zeroed: false,
                                                 what: "packed conv weights")   // packing writes all
            if let scale {
                scale.values.withUnsafeBufferPointer { nnk_conv2d_pack_weights_scaled(&p, weights.floats, $0.baseAddress, packed.floats) }
            } else {
                nnk_conv2d_pack_weights(&p, weights.floats, packed.floats)
            }
            return packed
        }
    }

    /// 1x1 weights (cout, cin) packed for nnk_conv_chain.
    func packedPointwise(_ weights: HostBuffer, scale: FoldedWeightScale?, cout: Int, cin: Int) throws(RuntimeError) -> HostBuffer {
        try store.value(forSource: scale?.key ?? weights.key, key: [-1, Int64(cout), Int64(cin)]) { () throws(RuntimeError) in
            let packed = try HostBuffer.allocate(byteCount: Int(nnk_pointwise_packed_floats(Int64(cout), Int64(cin))) * 4,
                                                 zeroed: false, what: "packed conv weights")
            if let scale {
                scale.values.withUnsafeBufferPointer { nnk_pointwise_pack(Int64(cout), Int64(cin), weights.floats, $0.baseAddress, packed.floats) }
            } else {
                nnk_pointwise_pack(Int64(cout), Int64(cin), weights.floats, nil, packed.floats)
            }
            return packed
        }
    }
}

/// A per-output-channel weight scale folded into a Conv, and the name of the scaled weights (keys
/// their packed form, like a folded copy's buffer key would).
struct FoldedWeightScale: Sendable {
    let values: [Float]
    let key: String
}

/// 2-D convolution through the packed kernel, split into tasks over the session's threads.
struct Conv2DKernel: WorkspaceKernel, @unchecked Sendable {
    var params: nnk_conv2d_params
    let packed: HostBuffer
    let input: Slot
    let output: Slot
    let epilogue: BoundEpilogue
    let tasks: Int
    let workspaceFloatsPerTask: Int
    /// > 0: two phases (a Winograd conv whose tasks split output channels transforms its input once,
    /// split over the tasks, into the shared scratch).
    let sharedFloats: Int
    let precisionNote: String?

    static let winogradNote = "Winograd F(4x4,3x3): reassociating; error vs the direct kernel <= 2e-5 of the output scale " +
        "(measured 5e-6 to 9e-6 at 64 to 256 input channels in CKernelsTests Winograd.errorAgainstDirectKernelIsBounded); SessionOptions.allowWinograd = false turns it off"

    func run(_ context: RunContext) {
        var p = params
        var ep = epilogue.make(context)
        let x = context.floats(input), y = context.floats(output), w = packed.floats
        if sharedFloats > 0 {
            let shared = context.sharedScratch()
            context.parallel(tasks) { t, _ in nnk_conv2d_prepare(&p, x, shared, Int64(t), Int64(tasks)) }
            context.parallel(tasks) { t, participant in
                nnk_conv2d_shared(&p, x, w, y, &ep, context.workspace(participant: participant), shared, Int64(t), Int64(tasks))
            }
            return
        }
        context.parallel(tasks) { t, participant in
            nnk_conv2d(&p, x, w, y, &ep, context.workspace(participant: participant), Int64(t), Int64(tasks))
        }
    }
}

/// Any-rank convolution through the reference kernel (3-D, or weights that are not constant).
struct ConvReferenceKernel: Kernel, @unchecked Sendable {
    let input: Slot, weights: Slot, output: Slot
    let epilogue: BoundEpilogue
    let inShape: [Int64], kShape: [Int64], outShape: [Int64], strides: [Int64], dilations: [Int64], pads: [Int64]
    let group: Int64, cOut: Int64
    let inSpatial: [Int64], outSpatial: [Int64]

    func run(_ context: RunContext) {
        var ep = epilogue.make(context)
        nnk_convnd_reference(Int32(inSpatial.count), inShape[0], inShape[1], inSpatial, cOut, kShape, strides, dilations, pads, group,
                             outSpatial, context.floats(input), context.floats(weights), context.floats(output), &ep)
    }
}
