/// ONNX Gather along `axis` with int64 (or int32) indices, negative indices counted from the end.
struct Gather: Operator {
    let axis: Int64
    init(_ a: Attributes) throws(RuntimeError) { axis = try a.int("axis", 0) }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard inputs.count == 2, let x = inputs[0], let i = inputs[1], i.type == .int64 else {
            throw .shapeMismatch(node: node, detail: "needs data and integer indices")
        }
        let a = try normalizeAxis(axis, rank: x.shape.count, node: node)
        // With an empty axis every index is out of range (the kernel must never clamp to -1).
        if x.shape[a] == 0 && i.count > 0 {
            throw .shapeMismatch(node: node, detail: "gathers \(i.count) indices from axis \(a) of size 0")
        }
        if let c = i.constant {
            for v in c.int64Array() where v < -Int64(x.shape[a]) || v >= Int64(x.shape[a]) {
                throw .shapeMismatch(node: node, detail: "index \(v) is out of range for axis \(a) of size \(x.shape[a])")
            }
        }
        return [OutputFact(type: x.type, shape: Array(x.shape[..<a]) + i.shape + Array(x.shape[(a + 1)...]))]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int { 0 }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        let x = ctx.inputs[0]!, i = ctx.inputs[1]!
        let a = try normalizeAxis(axis, rank: x.shape.count, node: ctx.node)
        return GatherKernel(data: x.slot, indices: i.slot, output: ctx.outputs[0].slot, outer: x.shape[..<a].reduce(1, *),
                            axisSize: x.shape[a], innerBytes: x.shape[(a + 1)...].reduce(1, *) * x.type.byteSize, indexCount: i.count)
    }
}

/// Copies the selected blocks; an out-of-range index (only possible for indices computed at run time) is clamped.
struct GatherKernel: Kernel, @unchecked Sendable {
    let data: Slot, indices: Slot, output: Slot
    let outer: Int, axisSize: Int, innerBytes: Int, indexCount: Int

    func run(_ context: RunContext) {
        let x = context.pointer(data), idx = context.int64s(indices), y = context.pointer(output)
        for o in 0..<outer {
            for j in 0..<indexCount {
                var k = Int(idx[j])
                if k < 0 { k += axisSize }
                k = min(max(k, 0), axisSize - 1)
                (y + (o * indexCount + j) * innerBytes).copyMemory(from: x + (o * axisSize + k) * innerBytes, byteCount: innerBytes)
            }
        }
    }
}
