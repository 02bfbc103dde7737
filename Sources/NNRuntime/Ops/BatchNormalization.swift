import CKernels

#if canImport(Glibc)
import Glibc
#endif

/// ONNX BatchNormalization (opsets 1–15) under eval semantics: always
/// `y = (x - running_mean) / sqrt(running_var + epsilon) * scale + B`, whatever training mode the
/// file asks for (`is_test=0`, `training_mode=1`, extra outputs); the session reports such nodes.
/// Extra outputs (running mean/var) pass the running statistics through unchanged.
struct BatchNormalization: Operator {
    let epsilon: Float
    let evalNote: String?

    init(_ a: Attributes) throws(RuntimeError) {
        epsilon = try a.float("epsilon", 1e-5)
        if try a.int("spatial", 1) == 0 { throw a.fail("spatial=0 (per-activation statistics) is not supported") }
        var notes: [String] = []
        if a.opset < 7, a.has("is_test"), try a.int("is_test", 0) == 0 { notes.append("is_test=0 asks for batch statistics") }
        if a.opset < 7, !a.has("is_test") { notes.append("is_test defaults to 0 (training) in opset \(a.opset)") }
        if try a.int("training_mode", 0) != 0 { notes.append("training_mode=1 asks for batch statistics") }
        if a.node.outputs.count > 1 && a.node.outputs[1...].contains(where: { !$0.isEmpty }) {
            notes.append("extra outputs requested (training form); they carry the running statistics unchanged")
        }
        evalNote = notes.isEmpty ? nil : notes.joined(separator: "; ") + "; running statistics used (eval semantics)"
    }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard inputs.count >= 5, let x = inputs[0], x.type == .float, x.shape.count >= 2 else {
            throw .shapeMismatch(node: node, detail: "needs X (N, C, ...) and scale, B, mean, var")
        }
        let c = x.shape[1]
        for i in 1...4 {
            guard let p = inputs[i], p.count == c else { throw .shapeMismatch(node: node, detail: "parameter \(i) should have \(c) values") }
        }
        return [OutputFact(type: .float, shape: x.shape)] + [[c], [c], [c], [c]].map { OutputFact(type: .float, shape: $0) }
    }

    /// Per-channel scale and shift from the parameters.
    static func affine(scale: [Float], bias: [Float], mean: [Float], variance: [Float], epsilon: Float) -> (scale: [Float], shift: [Float]) {
        var s = [Float](repeating: 0, count: scale.count), t = s
        for c in 0..<scale.count {
            s[c] = scale[c] / sqrtf(variance[c] + epsilon)
            t[c] = bias[c] - mean[c] * s[c]
        }
        return (s, t)
    }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        let x = ctx.inputs[0]!
        let params = (1...4).map { ctx.inputs[$0]! }
        return BatchNormKernel(input: x.slot, output: ctx.outputs[0].slot, params: params.map(\.slot), epsilon: epsilon,
                               outer: x.shape[0], channels: x.shape[1], inner: x.shape[2...].reduce(1, *),
                               extra: Array(ctx.outputs.dropFirst().prefix(2).map(\.slot)))
    }
}

/// Eval-mode batch normalization as a channel affine computed from the (possibly non-constant) parameters.
struct BatchNormKernel: Kernel, @unchecked Sendable {
    let input: Slot, output: Slot
    let params: [Slot]
    let epsilon: Float
    let outer: Int, channels: Int, inner: Int
    let extra: [Slot]

    func run(_ context: RunContext) {
        let g = context.floats(params[0]), b = context.floats(params[1]), m = context.floats(params[2]), v = context.floats(params[3])
        let scratch = context.workspace(participant: 0)
        for c in 0..<channels {
            let s = g[c] / sqrtf(v[c] + epsilon)
            scratch[c] = s
            scratch[channels + c] = b[c] - m[c] * s
        }
        nnk_channel_affine(Int64(outer), Int64(channels), Int64(inner), scratch, scratch + channels, context.floats(input), context.floats(output))
        // Optional outputs: running mean and var unchanged (eval semantics).
        for (i, slot) in extra.enumerated() {
            let src = i == 0 ? m : v
            context.floats(slot).update(from: src, count: channels)
        }
    }
}

extension BatchNormKernel: WorkspaceKernel {
    var workspaceFloatsPerTask: Int { 2 * channels }
}
