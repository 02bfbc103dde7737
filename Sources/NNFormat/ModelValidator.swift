/// Semantic checks of a decoded model: what protobuf parsing cannot know.
///
/// protobuf-c accepts much that is not a model (an empty buffer is a valid empty message), so the
/// reader validates names, graph order, IR version and opsets before anyone runs the model.
enum ModelValidator {
    /// The IR versions this reader understands (ONNX 1.0 era IR 3 through onnx 1.23's IR 14).
    static let irVersions: ClosedRange<Int64> = 3...14

    static func validate(_ model: Model, source: String) throws(FormatError) {
        guard ModelValidator.irVersions.contains(model.irVersion) else {
            let detail = model.irVersion == 0
                ? "ir_version is missing (is this an ONNX model?)"
                : "ir_version \(model.irVersion) is not supported (supported: \(irVersions.lowerBound) to \(irVersions.upperBound))"
            throw .invalidModel(source: source, context: "model", detail: detail)
        }
        if model.opsetImports.isEmpty {
            throw .invalidModel(source: source, context: "model", detail: "no opset_import: the file does not say which operator set it uses")
        }
        var seenDomains = Set<String>()
        for o in model.opsetImports {
            let domain = o.domain == "ai.onnx" ? "" : o.domain
            guard o.version >= 1 else {
                throw .invalidModel(source: source, context: "opset_import", detail: "domain '\(o.domain)' has version \(o.version)")
            }
            guard seenDomains.insert(domain).inserted else {
                throw .invalidModel(source: source, context: "opset_import", detail: "domain '\(o.domain)' is imported twice")
            }
        }
        try validate(model.graph, outer: [], source: source, context: "graph '\(model.graph.name)'")
    }

    /// Checks that every value is defined once, before use, and that outputs exist.
    static func validate(_ graph: Graph, outer: Set<String>, source: String, context: String) throws(FormatError) {
        func fail(_ detail: String) -> FormatError { .invalidModel(source: source, context: context, detail: detail) }
        var defined = outer
        var initializerNames = Set<String>()
        for t in graph.initializers {
            guard !t.name.isEmpty else { throw fail("an initializer has no name") }
            guard initializerNames.insert(t.name).inserted else { throw fail("initializer '\(t.name)' is defined twice") }
            defined.insert(t.name)
        }
        var inputNames = Set<String>()
        for i in graph.inputs {
            guard !i.name.isEmpty else { throw fail("a graph input has no name") }
            guard inputNames.insert(i.name).inserted else { throw fail("graph input '\(i.name)' is declared twice") }
            defined.insert(i.name)
        }
        // Where each value is produced, to explain use-before-definition (cycles, bad order).
        var producer: [String: Int] = [:]
        for (index, node) in graph.nodes.enumerated() {
            for o in node.outputs where !o.isEmpty && producer[o] == nil { producer[o] = index }
        }
        for (index, node) in graph.nodes.enumerated() {
            guard !node.opType.isEmpty else { throw fail("node \(index) ('\(node.name)') has no op_type") }
            for input in node.inputs where !input.isEmpty && !defined.contains(input) {
                if let p = producer[input] {
                    let who = p == index ? "the node itself (a cycle)" : "node '\(graph.nodes[p].displayName)', which comes later (a cycle, or nodes out of topological order)"
                    throw fail("node '\(node.displayName)' uses '\(input)' before it is defined: it is produced by \(who)")
                }
                throw fail("node '\(node.displayName)' uses '\(input)', which no graph input, initializer or earlier node defines")
            }
            for (name, attribute) in node.attributes {
                switch attribute {
                case .graph(let g):
                    try validate(g, outer: defined, source: source, context: "\(context) node '\(node.displayName)' attribute '\(name)'")
                case .graphs(let gs):
                    for g in gs { try validate(g, outer: defined, source: source, context: "\(context) node '\(node.displayName)' attribute '\(name)'") }
                default: break
                }
            }
            for o in node.outputs where !o.isEmpty {
                if initializerNames.contains(o) || inputNames.contains(o) || defined.contains(o) && !outer.contains(o) {
                    throw fail("node '\(node.displayName)' writes '\(o)', which is already defined (values must be assigned once)")
                }
                defined.insert(o)
            }
        }
        var outputNames = Set<String>()
        for o in graph.outputs {
            guard !o.name.isEmpty else { throw fail("a graph output has no name") }
            guard defined.contains(o.name) else { throw fail("graph output '\(o.name)' is not produced by any node, input or initializer") }
            guard outputNames.insert(o.name).inserted else { throw fail("graph output '\(o.name)' is declared twice") }
        }
    }
}
