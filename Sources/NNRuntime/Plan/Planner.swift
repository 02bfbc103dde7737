import NNFormat

/// Compiles a runtime graph for concrete input shapes: shape inference, constant folding,
/// graph rewrites, memory planning and kernel binding.
struct Planner {
    let options: SessionOptions

    /// Nodes with constant inputs that cost more floating-point operations than this are not
    /// evaluated when the plan is made (they run with the plan instead).
    static let maxFoldFlops = 1 << 30

    /// The passes, in order. Each is one file under `Passes/`.
    static let passes: [any GraphPass] = [
        RemoveDropout(), RemoveIdentity(), LowerBatchNormToChannelAffine(), FoldChannelAffineIntoProducer(),
        FuseResidualAddIntoConv(), FuseActivationIntoProducer(), FuseChannelAffineIntoEpilogue(), FuseConvChain(), RemoveDeadNodes(),
    ]

    /// One graph input as the plan sees it: type, shape, and for small int64 inputs (shapes,
    /// axes, indices) the values, which the plan is specialized on.
    struct InputSpec {
        var type: ElementTypeR
        var shape: [Int]
        var values: [Int64]?
    }

    func plan(_ base: RuntimeGraph, inputs: [InputSpec]) throws(RuntimeError) -> ExecutionPlan {
        var graph = base
        guard inputs.count == graph.inputs.count else {
            throw .invalidInput(name: "", detail: "expected \(graph.inputs.count) inputs, got \(inputs.count)")
        }
        for (i, id) in graph.inputs.enumerated() {
            // Declared input shapes come from the file: check them like any other tensor.
            _ = try elementCount(inputs[i].shape, node: "graph input '\(graph[id].name)'", limit: options.maxTensorElements)
            graph[id].type = inputs[i].type
            graph[id].shape = inputs[i].shape
            if let v = inputs[i].values { graph[id].constant = ConstantTensor(shape: inputs[i].shape, int64s: v) }
        }
        var report = SessionReport()
        for n in graph.nodes { if let note = n.op.evalNote { report.evalSemantics.append("\(n.name): \(note)") } }
        try inferAndFold(&graph, report: &report)
        if options.optimize {
            for pass in Planner.passes where options.enabledPasses?.contains(pass.name) ?? true {
                try pass.run(&graph, report: &report)
            }
            try inferAndFold(&graph, report: &report)
        } else {
            try RemoveDeadNodes().run(&graph, report: &report)
        }
        return try bind(graph, report: report)
    }

    /// Infers every value's type and shape in node order, and evaluates nodes whose inputs are all
    /// constant (removing them from the graph).
    func inferAndFold(_ graph: inout RuntimeGraph, report: inout SessionReport) throws(RuntimeError) {
        var foldedBytes = 0
        var kept: [RuntimeNode] = []
        kept.reserveCapacity(graph.nodes.count)
        for node in graph.nodes {
            var facts: [InputFact?] = []
            for input in node.inputs {
                guard let id = input else { facts.append(nil); continue }
                let v = graph[id]
                guard let type = v.type, let shape = v.shape else {
                    throw .shapeMismatch(node: node.name, detail: "input '\(v.name)' has no known shape")
                }
                facts.append(InputFact(type: type, shape: shape, constant: v.constant))
            }
            let outs = try node.op.infer(facts, node: node.name)
            guard outs.count >= node.outputs.compactMap({ $0 }).count else {
                throw .invalidNode(node: node.name, opType: node.opType, detail: "has \(node.outputs.count) outputs, the operator makes \(outs.count)")
            }
            for (i, o) in node.outputs.enumerated() {
                guard let o else { continue }
                guard i < outs.count else {
                    throw .invalidNode(node: node.name, opType: node.opType, detail: "output \(i) is requested, the operator makes \(outs.count)")
                }
                _ = try elementCount(outs[i].shape, node: node.name, limit: options.maxTensorElements)
                graph[o].type = outs[i].type
                graph[o].shape = outs[i].shape
            }
            // A node without outputs computes nothing anyone can read: drop it here, so that no pass
            // or kernel sees a node whose `outputs[0]` does not exist.
            if node.outputs.allSatisfy({ $0 == nil }) { continue }
            var foldable = (!node.op.needsInputValues || facts.allSatisfy { $0 == nil || $0?.constant != nil })
                && !node.outputs.compactMap({ $0 }).isEmpty
            if foldable && node.op.needsInputValues && !node.op.isView {
                // Folding runs the kernel now: an expensive node stays in the plan (it runs only if the
                // caller runs the model), and what folding keeps in memory counts against the limit.
                if node.op.flops(facts, outs) > Planner.maxFoldFlops {
                    foldable = false
                } else {
                    for o in outs { foldedBytes = saturatingAdd(foldedBytes, saturatingProduct(o.shape + [o.type.byteSize])) }
                    guard foldedBytes <= options.maxMemoryBytes else {
                        throw .limitExceeded(what: "bytes of values computed when the plan is made (at node '\(node.name)')",
                                             value: foldedBytes, limit: options.maxMemoryBytes)
                    }
                }
            }
            if foldable {
                let constants = try evaluate(node, facts: facts, outputs: outs)
                for (i, o) in node.outputs.enumerated() {
                    if let o, i < constants.count { graph[o].constant = constants[i] }
                }
                report.foldedNodes.append(node.name)
            } else {
                kept.append(node)
            }
        }
        graph.nodes = kept
    }

    /// Runs one node on constant inputs now, returning its outputs as constants.
    func evaluate(_ node: RuntimeNode, facts: [InputFact?], outputs: [OutputFact]) throws(RuntimeError) -> [ConstantTensor] {
        let empty = HostBuffer(byteCount: 0)
        let inputs: [Operand?] = facts.map { f in f.map { Operand(slot: .host($0.constant?.buffer ?? empty), type: $0.type, shape: $0.shape, constant: $0.constant) } }
        if node.op.isView, let first = facts[0]?.constant {
            return [ConstantTensor(type: first.type, shape: outputs[0].shape, buffer: first.buffer)]
        }
        var results: [ConstantTensor] = []
        for o in outputs {
            let buffer = try HostBuffer.allocate(byteCount: o.shape.reduce(1, *) * o.type.byteSize, what: "a value computed when the plan is made")
            results.append(ConstantTensor(type: o.type, shape: o.shape, buffer: buffer))
        }
        let operands = results.map { Operand(slot: .host($0.buffer), type: $0.type, shape: $0.shape, constant: nil) }
        let kernel = try node.op.bind(BindContext(node: node.name, inputs: inputs, outputs: operands, threads: 1, allowWinograd: options.allowWinograd))
        let workspaceFloats = (kernel as? any WorkspaceKernel)?.workspaceFloatsPerTask ?? 0
        let workspace = try HostBuffer.allocate(byteCount: workspaceFloats * 4, what: "the scratch memory of constant folding")
        let table = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: 1)
        defer { table.deallocate() }
        let context = RunContext(arena: workspace.pointer, inputs: table, workspace: workspace.floats, workspaceFloatsPerTask: workspaceFloats, threads: 1)
        kernel.run(context)
        return results
    }

    /// Assigns memory and binds kernels for the remaining nodes.
    func bind(_ graph: RuntimeGraph, report: SessionReport) throws(RuntimeError) -> ExecutionPlan {
        var report = report
        // Views share their input's memory: find each value's storage root.
        var root = Array(0..<graph.values.count)
        for node in graph.nodes where node.op.isView {
            if let o = node.outputs[0], let i = node.inputs[0] { root[o.index] = root[i.index] }
        }
        var lifetime: [Int: (first: Int, last: Int)] = [:]
        let inputIndex = Dictionary(uniqueKeysWithValues: graph.inputs.enumerated().map { ($1.index, $0) })
        for (step, node) in graph.nodes.enumerated() {
            for case let o? in node.outputs {
                let r = root[o.index]
                if graph.values[r].constant == nil, inputIndex[r] == nil, lifetime[r] == nil { lifetime[r] = (step, step) }
            }
            for case let i? in node.inputs {
                let r = root[i.index]
                if let l = lifetime[r] { lifetime[r] = (l.first, step) }
            }
        }
        for o in graph.outputs {
            let r = root[o.index]
            if let l = lifetime[r] { lifetime[r] = (l.first, graph.nodes.count) }
        }
        let requests = lifetime.map { id, l in
            MemoryPlanner.Request(id: id, bytes: (graph.values[id].shape ?? []).reduce(1, *) * (graph.values[id].type ?? .float).byteSize, first: l.first, last: l.last)
        }
        let (offsets, arenaBytes) = MemoryPlanner.plan(requests)
        guard arenaBytes <= options.maxMemoryBytes else {
            throw .limitExceeded(what: "activation memory of the plan in bytes", value: arenaBytes, limit: options.maxMemoryBytes)
        }
        func slot(_ id: ValueID) -> Slot {
            let r = root[id.index]
            if let c = graph.values[r].constant { return .host(c.buffer) }
            if let c = graph.values[id.index].constant { return .host(c.buffer) }
            if let i = inputIndex[r] { return .input(i) }
            return .arena(offsets[r] ?? 0)
        }
        func operand(_ id: ValueID) -> Operand {
            let v = graph[id]
            return Operand(slot: slot(id), type: v.type ?? .float, shape: v.shape ?? [], constant: v.constant)
        }
        var steps: [PlanStep] = []
        var workspace = 0, shared = 0
        for node in graph.nodes {
            let inputs = node.inputs.map { $0.map(operand) }
            let outputs = node.outputs.compactMap { $0 }.map(operand)
            // Nothing to compute when every output is empty (a batch of 0, a zero-size dim).
            let empty = !outputs.isEmpty && outputs.allSatisfy { $0.count == 0 }
            let kernel = node.op.isView || empty
                ? NoKernel()
                : try node.op.bind(BindContext(node: node.name, inputs: inputs, outputs: outputs, threads: options.threads,
                                               allowWinograd: options.allowWinograd))
            if let w = kernel as? any WorkspaceKernel {
                workspace = max(workspace, w.workspaceFloatsPerTask)
                shared = max(shared, w.sharedFloats)
            }
            let facts = inputs.map { $0.map { InputFact(type: $0.type, shape: $0.shape, constant: $0.constant) } }
            let flops = node.op.flops(facts, outputs.map { OutputFact(type: $0.type, shape: $0.shape) })
            if let note = kernel.precisionNote { report.precisionNotes.append(node.name + ": " + note) }
            if !node.op.isView { steps.append(PlanStep(node: node.name, opType: node.opType, kernel: kernel, flops: flops)) }
            report.steps.append(node.name + " (" + node.opType + (node.op.fusionSummary.map { " + " + $0 } ?? "") + (node.op.isView ? ", view" : "") + ")")
        }
        let workspaceBytes = saturatingProduct([saturatingAdd(saturatingProduct([workspace, options.threads]), shared), 4])
        guard saturatingAdd(arenaBytes, workspaceBytes) <= options.maxMemoryBytes else {
            throw .limitExceeded(what: "activation and workspace memory of the plan in bytes", value: saturatingAdd(arenaBytes, workspaceBytes),
                                 limit: options.maxMemoryBytes)
        }
        let outputs = graph.outputs.map { id in (slot: slot(id), fact: OutputFact(type: graph[id].type ?? .float, shape: graph[id].shape ?? [])) }
        return ExecutionPlan(steps: steps, arenaBytes: arenaBytes, workspaceFloatsPerTask: workspace, sharedFloats: shared,
                             threads: options.threads, inputCount: graph.inputs.count, outputs: outputs, report: report)
    }
}

/// A kernel that needs scratch memory per participant of a parallel region (per thread), and
/// perhaps scratch all its tasks share (`RunContext.sharedScratch`).
protocol WorkspaceKernel: Kernel {
    var workspaceFloatsPerTask: Int { get }
    var sharedFloats: Int { get }
}

extension WorkspaceKernel {
    var sharedFloats: Int { 0 }
}
