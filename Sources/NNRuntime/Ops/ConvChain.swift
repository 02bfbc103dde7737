import CKernels

/// An inverted-residual block made by `FuseConvChain`: 1x1 expand Conv (optional; or a dense conv
/// such as a stem, `denseExpand`) → depthwise Conv → 1x1 project Conv, each with its epilogue, run
/// band of rows by band of rows (`nnk_conv_chain`) so the expanded tensors stay in cache. Not an
/// ONNX operator: it exists only in plans, and gives the bits of its three convolutions.
///
/// Inputs: X, W1, B1, W2, B2, W3, B3, residual (nil where absent; W1 and B1 without an expand).
struct ConvChain: Operator {
    var expand: Conv?
    var depthwise: Conv
    var project: Conv
    /// The first conv is a dense KxK conv computed as an im2col GEMM, not a 1x1.
    var denseExpand = false

    static let inputCount = 8
    static let residualInput = 7

    var fusionSummary: String? {
        let parts = [expand.map { (denseExpand ? "conv" : "1x1 expand") + ($0.epilogue.summary.map { " + " + $0 } ?? "") },
                     "depthwise" + (depthwise.epilogue.summary.map { " + " + $0 } ?? ""),
                     "1x1 project" + (project.epilogue.summary.map { " + " + $0 } ?? "")]
        return "band-fused " + parts.compactMap { $0 }.joined(separator: " -> ")
    }

    private func fact(_ o: OutputFact) -> InputFact { InputFact(type: o.type, shape: o.shape, constant: nil) }

    /// The three convolutions' output facts: expanded (nil without expand), depthwise, output.
    private func stages(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> (OutputFact?, OutputFact, OutputFact) {
        guard inputs.count == ConvChain.inputCount else { throw .shapeMismatch(node: node, detail: "internal: conv chain inputs") }
        var e: OutputFact?
        var x = inputs[0]
        if let expand {
            e = try expand.infer([inputs[0], inputs[1], inputs[2]], node: node)[0]
            x = e.map(fact)
        }
        let d = try depthwise.infer([x, inputs[3], inputs[4]], node: node)[0]
        var projectInputs: [InputFact?] = [fact(d), inputs[5], inputs[6]]
        if project.epilogue.residual { projectInputs.append(inputs[ConvChain.residualInput]) }
        let y = try project.infer(projectInputs, node: node)[0]
        return (e, d, y)
    }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        [try stages(inputs, node: node).2]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int {
        guard let (e, d, y) = try? stages(inputs, node: "") else { return 0 }
        var total = depthwise.flops([e.map(fact) ?? inputs[0], inputs[3]], [d])
        if let expand, let e { total = saturatingAdd(total, expand.flops([inputs[0], inputs[1]], [e])) }
        return saturatingAdd(total, project.flops([fact(d), inputs[5]], [y]))
    }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        let facts = ctx.inputs.map { $0.map { InputFact(type: $0.type, shape: $0.shape, constant: $0.constant) } }
        let (e, _, _) = try stages(facts, node: ctx.node)
        guard let x = ctx.inputs[0], let w2 = ctx.inputs[3]?.constant, let w3 = ctx.inputs[5]?.constant,
              let y = ctx.outputs.first else {
            throw .invalidNode(node: ctx.node, opType: "ConvChain", detail: "internal: chain without constant weights")
        }
        let dwInput = e?.shape ?? x.shape
        let r = try depthwise.geometry.resolve(input: Array(dwInput[2...]), kernel: Array(w2.shape[2...]), node: ctx.node)
        var p = nnk_chain_params()
        p.dw = depthwise.params2D(x: dwInput, w: w2.shape, resolved: r)
        p.C_out = Int64(w3.shape[0])
        var packedExpand: HostBuffer?
        if let expand {
            guard let w1 = ctx.inputs[1]?.constant else {
                throw .invalidNode(node: ctx.node, opType: "ConvChain", detail: "internal: expand without constant weights")
            }
            p.C_in = Int64(w1.shape[1])
            var depth = w1.shape[1]
            if denseExpand {        // (C_out, C_in, KH, KW) packed as the (C_out, C_in*KH*KW) matrix it is
                let r1 = try expand.geometry.resolve(input: Array(x.shape[2...]), kernel: Array(w1.shape[2...]), node: ctx.node)
                p.expand = expand.params2D(x: x.shape, w: w1.shape, resolved: r1)
                p.expand_conv = 1
                depth = w1.shape[1...].reduce(1, *)
            }
            packedExpand = try expand.packCache.packedPointwise(w1.buffer, scale: expand.weightScale, cout: w1.shape[0], cin: depth)
        }
        let packedDW = try depthwise.packCache.packed(w2.buffer, scale: depthwise.weightScale, params: p.dw)
        let packedProject = try project.packCache.packedPointwise(w3.buffer, scale: project.weightScale, cout: w3.shape[0],
                                                              cin: w3.shape[1])
        let epilogues = [
            BoundEpilogue(expand?.epilogue ?? Epilogue(), bias: ctx.inputs[2]?.slot, residual: nil),
            BoundEpilogue(depthwise.epilogue, bias: ctx.inputs[4]?.slot, residual: nil),
            BoundEpilogue(project.epilogue, bias: ctx.inputs[6]?.slot,
                          residual: project.epilogue.residual ? ctx.inputs[ConvChain.residualInput]?.slot : nil),
        ]
        return ConvChainKernel(params: p, packedExpand: packedExpand, packedDW: packedDW, packedProject: packedProject,
                               input: x.slot, output: y.slot, epilogues: epilogues,
                               tasks: Int(nnk_chain_task_count(&p, Int32(ctx.threads))),
                               workspaceFloatsPerTask: Int(nnk_chain_workspace_floats(&p)))
    }
}

/// Runs nnk_conv_chain over the session's threads (tasks are bands of the batch).
struct ConvChainKernel: WorkspaceKernel, @unchecked Sendable {
    var params: nnk_chain_params
    let packedExpand: HostBuffer?
    let packedDW: HostBuffer
    let packedProject: HostBuffer
    let input: Slot
    let output: Slot
    let epilogues: [BoundEpilogue]
    let tasks: Int
    let workspaceFloatsPerTask: Int

    func run(_ context: RunContext) {
        var p = params
        var e1 = epilogues[0].make(context), e2 = epilogues[1].make(context), e3 = epilogues[2].make(context)
        let x = context.floats(input), y = context.floats(output)
        let w1 = packedExpand?.floats, w2 = packedDW.floats, w3 = packedProject.floats
        context.parallel(tasks) { t, participant in
            nnk_conv_chain(&p, x, w1, &e1, w2, &e2, w3, &e3, y, context.workspace(participant: participant), Int64(t), Int64(tasks))
        }
    }
}
