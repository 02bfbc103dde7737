import NNFormat

/// Turns a `Model` into a `RuntimeGraph` of typed operators, collecting every unsupported node.
enum ModelImporter {
    static func importModel(_ model: Model) throws(RuntimeError) -> (graph: RuntimeGraph, inputs: [ValueInfo], outputs: [ValueInfo]) {
        let opset = model.defaultOpsetVersion ?? 1
        var graph = RuntimeGraph()
        var ids: [String: ValueID] = [:]
        var unsupported: [RuntimeError.UnsupportedNode] = []

        for t in model.graph.initializers {
            guard let tensor = Tensor(t) else {
                // Kept out of the graph; a node reading it is reported below.
                continue
            }
            try checkConsistent(tensor, context: "initializer '\(t.name)'")
            ids[t.name] = graph.addValue(t.name, constant: constant(tensor, key: "initializer:" + t.name))
        }
        let feeds = model.graph.feedInputs
        for input in feeds {
            guard let type = input.type, type.elementType == .float || type.elementType == .int64 else {
                unsupported.append(.init(node: "graph input '\(input.name)'", opType: "input", domain: "", opset: opset,
                                         reason: "element type \(input.type?.elementType.description ?? "unknown") (supported: float, int64)"))
                continue
            }
            let id = graph.addValue(input.name)
            graph[id].type = type.elementType == .float ? .float : .int64
            ids[input.name] = id
            graph.inputs.append(id)
        }
        let unsupportedInitializers = Set(model.graph.initializers.filter { Tensor($0) == nil }.map(\.name))
        let declared = Set(model.graph.initializers.map(\.name) + model.graph.inputs.map(\.name))

        for (index, node) in model.graph.nodes.enumerated() {
            let name = node.name.isEmpty ? "\(node.opType)_\(index)" : node.name
            var named = node
            named.name = name
            let domainOK = node.domain.isEmpty || node.domain == "ai.onnx"
            let factory = domainOK ? OperatorRegistry.table[node.opType] : nil
            var op: (any Operator)?
            if let factory {
                do throws(RuntimeError) {
                    op = try factory(Attributes(named, opset: opset))
                } catch {
                    let reason: String
                    if case .invalidNode(_, _, let d) = error { reason = d } else { reason = error.description }
                    unsupported.append(.init(node: name, opType: node.opType, domain: node.domain, opset: opset, reason: reason))
                }
            } else {
                unsupported.append(.init(node: name, opType: node.opType, domain: node.domain, opset: opset, reason: "operator not supported"))
            }
            for input in node.inputs where unsupportedInitializers.contains(input) {
                let t = model.graph.initializers.first { $0.name == input }
                unsupported.append(.init(node: name, opType: node.opType, domain: node.domain, opset: opset,
                                         reason: "input '\(input)' has element type \(t?.elementType.description ?? "?") (supported: float, int64)"))
            }
            // A model built in memory has not been through ModelReader's validation: an input that
            // is neither defined earlier nor a (possibly unsupported) input/initializer is a cycle or
            // misordered graph, never an omitted optional input.
            for input in node.inputs where !input.isEmpty && ids[input] == nil && !declared.contains(input) {
                throw .invalidNode(node: name, opType: node.opType, detail: "input '\(input)' is not defined before this node (a cycle, or nodes out of order)")
            }
            let inputs: [ValueID?] = node.inputs.map { $0.isEmpty ? nil : ids[$0] }
            var outputs: [ValueID?] = []
            for o in node.outputs {
                if o.isEmpty { outputs.append(nil); continue }
                let id = graph.addValue(o)
                ids[o] = id
                outputs.append(id)
            }
            if let op {
                graph.nodes.append(RuntimeNode(name: name, opType: node.opType, op: op, inputs: inputs, outputs: outputs))
            }
        }
        if !unsupported.isEmpty { throw .unsupported(unsupported) }
        for o in model.graph.outputs {
            guard let id = ids[o.name] else {
                throw .invalidNode(node: "graph output '\(o.name)'", opType: "output", detail: "not produced by the graph")
            }
            graph.outputs.append(id)
        }
        return (graph, feeds, model.graph.outputs)
    }

    /// Refuses tensor data whose values do not fill its dims (possible in a model built in memory;
    /// ModelReader never produces one): kernels would read past the buffer.
    static func checkConsistent(_ t: Tensor, context: String) throws(RuntimeError) {
        let count = t.shape.allSatisfy { $0 >= 0 } ? saturatingProduct(t.shape) : -1
        let have: Int
        switch t.values {
        case .float(let v): have = v.count
        case .int64(let v): have = v.count
        }
        guard count == have else {
            throw .invalidNode(node: context, opType: "tensor", detail: "dims \(t.shape) describe \(count) values, the data holds \(have)")
        }
    }

    static func constant(_ t: Tensor, key: String? = nil) -> ConstantTensor {
        switch t.values {
        case .float(let v): return ConstantTensor(type: .float, shape: t.shape, buffer: HostBuffer(adopting: v, key: key))
        case .int64(let v): return ConstantTensor(shape: t.shape, int64s: v, key: key)
        }
    }
}
