#if canImport(Glibc)
import Glibc
#endif
import CKernels

/// ONNX Softmax and LogSoftmax. Before opset 13 the input is coerced to 2-D at `axis` (default 1);
/// from 13 on, the function runs along `axis` alone (default -1).
struct Softmax: Operator {
    let axis: Int64
    let log: Bool
    let coerce2D: Bool

    init(_ a: Attributes, log: Bool) throws(RuntimeError) {
        self.log = log
        coerce2D = a.opset < 13
        axis = try a.int("axis", coerce2D ? 1 : -1)
    }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard let x = inputs.first ?? nil, x.type == .float else { throw .shapeMismatch(node: node, detail: "needs one float input") }
        _ = try normalizeAxis(axis, rank: x.shape.count, node: node)
        return [OutputFact(type: .float, shape: x.shape)]
    }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        let x = ctx.inputs[0]!, shape = x.shape
        let a = try normalizeAxis(axis, rank: shape.count, node: ctx.node)
        let outer = shape[..<a].reduce(1, *)
        if coerce2D || a == shape.count - 1 {
            return SoftmaxKernel(input: x.slot, output: ctx.outputs[0].slot, outer: outer, axis: shape[a...].reduce(1, *), inner: 1, log: log)
        }
        return SoftmaxKernel(input: x.slot, output: ctx.outputs[0].slot, outer: outer, axis: shape[a], inner: shape[(a + 1)...].reduce(1, *), log: log)
    }
}

/// Softmax over the middle dim of (outer, axis, inner).
struct SoftmaxKernel: Kernel, @unchecked Sendable {
    let input: Slot, output: Slot
    let outer: Int, axis: Int, inner: Int
    let log: Bool

    func run(_ context: RunContext) {
        let x = context.floats(input), y = context.floats(output)
        if inner == 1 {
            nnk_softmax_rows(Int64(outer), Int64(axis), x, y, log ? 1 : 0)
            return
        }
        // x is (outer, axis, inner): a strided pass per (outer, inner) column.
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * axis * inner + i
                var m = -Float.infinity
                for k in 0..<axis { m = max(m, x[base + k * inner]) }
                var sum: Float = 0
                for k in 0..<axis { sum += expf(x[base + k * inner] - m) }
                let logSum = logf(sum)
                for k in 0..<axis {
                    let v = x[base + k * inner] - m
                    y[base + k * inner] = log ? v - logSum : expf(v) / sum
                }
            }
        }
    }
}
