import CKernels

/// A per-channel affine `y = x * scale[c] + shift[c]` over (N, C, ...): what eval-mode
/// BatchNormalization lowers to. Not an ONNX operator; made by `LowerBatchNormToChannelAffine`.
struct ChannelAffine: Operator {
    let scale: [Float]
    let shift: [Float]
    let scaleBuffer: HostBuffer
    let shiftBuffer: HostBuffer
    /// The node(s) it came from, for reports.
    let origin: String

    init(scale: [Float], shift: [Float], origin: String) {
        self.scale = scale
        self.shift = shift
        scaleBuffer = HostBuffer(floats: scale)
        shiftBuffer = HostBuffer(floats: shift)
        self.origin = origin
    }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        guard let x = inputs.first ?? nil, x.type == .float, x.shape.count >= 2, x.shape[1] == scale.count else {
            throw .shapeMismatch(node: node, detail: "channel affine of \(scale.count) channels does not fit its input")
        }
        return [OutputFact(type: .float, shape: x.shape)]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int { 2 * (outputs.first?.shape.reduce(1, *) ?? 0) }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        let x = ctx.inputs[0]!
        return ChannelAffineKernel(input: x.slot, output: ctx.outputs[0].slot, scale: scaleBuffer, shift: shiftBuffer,
                                   outer: x.shape[0], channels: x.shape[1], inner: x.shape[2...].reduce(1, *))
    }
}

struct ChannelAffineKernel: Kernel, @unchecked Sendable {
    let input: Slot, output: Slot
    let scale: HostBuffer, shift: HostBuffer
    let outer: Int, channels: Int, inner: Int

    func run(_ context: RunContext) {
        nnk_channel_affine(Int64(outer), Int64(channels), Int64(inner), scale.floats, shift.floats, context.floats(input), context.floats(output))
    }
}
