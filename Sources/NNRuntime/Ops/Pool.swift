import CKernels

/// ONNX MaxPool and AveragePool over 1–3 spatial dims: pads, strides, dilations, auto_pad,
/// ceil_mode, count_include_pad. MaxPool's optional Indices output is not supported.
struct Pool: Operator {
    enum Kind: Sendable { case max, average }
    let kind: Kind
    let geometry: SpatialGeometry
    let countIncludePad: Bool

    init(_ a: Attributes, kind: Kind) throws(RuntimeError) {
        self.kind = kind
        geometry = try SpatialGeometry(a, kernelRequired: true)
        countIncludePad = try a.int("count_include_pad", 0) != 0
        if try a.int("storage_order", 0) != 0 { throw a.fail("storage_order=1 is not supported") }
        if kind == .max, a.node.outputs.count > 1, !a.node.outputs[1].isEmpty { throw a.fail("the Indices output is not supported") }
    }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard let x = inputs.first ?? nil, x.type == .float, (3...5).contains(x.shape.count) else {
            throw .shapeMismatch(node: node, detail: "needs a float input of rank 3 to 5")
        }
        let r = try geometry.resolve(input: Array(x.shape[2...]), node: node)
        return [OutputFact(type: .float, shape: Array(x.shape[..<2]) + r.output)]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int {
        saturatingProduct([saturatingProduct(outputs.first?.shape ?? [0]), saturatingProduct(geometry.kernel ?? [1])])
    }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        let x = ctx.inputs[0]!
        let r = try geometry.resolve(input: Array(x.shape[2...]), node: ctx.node)
        var p = nnk_pool_params()
        let n = r.output.count
        p.ndims = Int32(n)
        withUnsafeMutableBytes(of: &p.in_shape) { b in for i in 0..<n { b.storeBytes(of: Int64(x.shape[2 + i]), toByteOffset: 8 * i, as: Int64.self) } }
        withUnsafeMutableBytes(of: &p.out_shape) { b in for i in 0..<n { b.storeBytes(of: Int64(r.output[i]), toByteOffset: 8 * i, as: Int64.self) } }
        withUnsafeMutableBytes(of: &p.kernel) { b in for i in 0..<n { b.storeBytes(of: Int64(r.kernel[i]), toByteOffset: 8 * i, as: Int64.self) } }
        withUnsafeMutableBytes(of: &p.strides) { b in for i in 0..<n { b.storeBytes(of: Int64(r.strides[i]), toByteOffset: 8 * i, as: Int64.self) } }
        withUnsafeMutableBytes(of: &p.dilations) { b in for i in 0..<n { b.storeBytes(of: Int64(r.dilations[i]), toByteOffset: 8 * i, as: Int64.self) } }
        withUnsafeMutableBytes(of: &p.pads) { b in
            for i in 0..<n {
                b.storeBytes(of: Int64(r.pads[i]), toByteOffset: 8 * i, as: Int64.self)
                b.storeBytes(of: Int64(r.pads[n + i]), toByteOffset: 8 * (n + i), as: Int64.self)
            }
        }
        p.count_include_pad = countIncludePad ? 1 : 0
        let planes = x.shape[0] * x.shape[1]
        let work = ctx.outputs[0].count * r.kernel.reduce(1, *)
        return PoolKernel(max: kind == .max, params: p, input: x.slot, output: ctx.outputs[0].slot, planes: planes,
                          tasks: work >= 1 << 15 ? min(ctx.threads, planes) : 1)
    }
}

/// Pooling split over planes.
struct PoolKernel: Kernel, @unchecked Sendable {
    let max: Bool
    let params: nnk_pool_params
    let input: Slot, output: Slot
    let planes: Int
    let tasks: Int

    func run(_ context: RunContext) {
        var p = params
        let x = context.floats(input), y = context.floats(output)
        context.parallel(tasks) { t, _ in
            let p0 = Int64(planes * t / tasks), p1 = Int64(planes * (t + 1) / tasks)
            if max { nnk_maxpool(&p, x, y, p0, p1) } else { nnk_avgpool(&p, x, y, p0, p1) }
        }
    }
}
