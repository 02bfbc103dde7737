import Foundation
import NNFormat
import NNRuntime

/// Everything `nninfer inspect` reports about a model, gathered once, printed as text or JSON.
struct ModelSummary {
    struct IO {
        var name: String
        var type: String
        var shape: [NNFormat.Dimension]?
    }

    var file: String
    var fileBytes: Int?
    var model: Model
    var inputs: [IO]
    var outputs: [IO]
    /// Op types (with their domain when not ONNX's) and how many nodes use each, most used first.
    var ops: [(op: String, count: Int)]
    var parameterCount: Int
    var parameterBytes: Int
    var parameterTensors: Int
    /// The nninfer metadata, or why it could not be read.
    var metadata: Result<ModelMetadata, FormatError>
    /// FLOPs of one run at batch 1 (when the session could be created).
    var flopsPerRun: Int?
    var report: SessionReport?
    var unsupported: [RuntimeError.UnsupportedNode]
    /// Why the session could not be created, other than unsupported operators.
    var sessionError: String?

    init(file: String, model: Model, session: Result<InferenceSession, RuntimeError>) {
        self.file = file
        self.model = model
        fileBytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? nil
        let graph = model.graph
        inputs = graph.feedInputs.map { IO(name: $0.name, type: $0.type.map { "\($0.elementType)" } ?? "?", shape: $0.type?.shape) }
        outputs = graph.outputs.map { IO(name: $0.name, type: $0.type.map { "\($0.elementType)" } ?? "?", shape: $0.type?.shape) }
        var histogram: [String: Int] = [:]
        for node in graph.nodes {
            let domain = node.domain.isEmpty || node.domain == "ai.onnx" ? "" : node.domain + "."
            histogram[domain + node.opType, default: 0] += 1
        }
        ops = histogram.map { (op: $0.key, count: $0.value) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.op < $1.op }
        parameterTensors = graph.initializers.count
        parameterCount = graph.initializers.reduce(0) { $0 + $1.elementCount }
        parameterBytes = graph.initializers.reduce(0) { $0 + ($1.elementType.byteCount(elements: $1.elementCount) ?? 0) }
        metadata = Result { () throws(FormatError) in try ModelMetadata(from: model, source: file) }
        unsupported = []
        switch session {
        case .success(let s):
            flopsPerRun = s.flopsPerRun
            report = s.report
        case .failure(.unsupported(let nodes)):
            unsupported = nodes
        case .failure(let e):
            sessionError = e.description
        }
    }

    /// Metadata entries outside nninfer's namespace.
    var otherMetadataKeys: [String] { model.metadata.map(\.key).filter { !$0.hasPrefix("nninfer.") } }

    static func shapeText(_ shape: [NNFormat.Dimension]?) -> String {
        guard let shape else { return "(rank unknown)" }
        return "[" + shape.map(\.description).joined(separator: ", ") + "]"
    }

    /// The JSON form; keys documented in `InspectCommand`'s help.
    var json: JSONValue {
        func io(_ v: IO) -> JSONValue {
            let shape: JSONValue = v.shape.map { dims in
                .array(dims.map { d -> JSONValue in
                    switch d {
                    case .value(let n): return .int(n)
                    case .symbol(let s): return .string(s)
                    case .unknown: return .null
                    }
                })
            } ?? .null
            return .object([("name", .string(v.name)), ("type", .string(v.type)), ("shape", shape)])
        }
        var meta: [(String, JSONValue)] = []
        switch metadata {
        case .success(let m):
            meta.append(("labels", m.labels.map { .int($0.count) } ?? .null))
            meta.append(("preprocess", m.preprocessing.map(Self.preprocessJSON) ?? .null))
            meta.append(("output", .optional(m.output)))
            meta.append(("training", m.training.map { t in .object(t.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }) } ?? .null))
            meta.append(("error", .null))
        case .failure(let e):
            meta += [("labels", .null), ("preprocess", .null), ("output", .null), ("training", .null), ("error", .string(e.description))]
        }
        meta.append(("other_keys", .array(otherMetadataKeys.map { .string($0) })))
        let session: JSONValue = report.map { r in
            .object([
                ("eval_semantics", .array(r.evalSemantics.map { .string($0) })),
                ("rewrites", .array(r.rewrites.map { w in
                    .object([("pass", .string(w.pass)), ("detail", .string(w.detail)), ("bit_exact", .bool(w.bitExact))])
                })),
                ("folded_nodes", .array(r.foldedNodes.map { .string($0) })),
                ("precision_notes", .array(r.precisionNotes.map { .string($0) })),
                ("steps", .array(r.steps.map { .string($0) })),
            ])
        } ?? .null
        return .object([
            ("file", .string(file)),
            ("file_bytes", fileBytes.map { .int($0) } ?? .null),
            ("ir_version", .int(Int(model.irVersion))),
            ("opsets", .array(model.opsetImports.map { .object([("domain", .string($0.domain)), ("version", .int(Int($0.version)))]) })),
            ("producer", .object([("name", .string(model.producerName)), ("version", .string(model.producerVersion))])),
            ("domain", .string(model.domain)),
            ("model_version", .int(Int(model.modelVersion))),
            ("doc", .string(model.docString)),
            ("inputs", .array(inputs.map(io))),
            ("outputs", .array(outputs.map(io))),
            ("nodes", .int(model.graph.nodes.count)),
            ("ops", .object(ops.map { ($0.op, .int($0.count)) })),
            ("parameters", .object([("count", .int(parameterCount)), ("bytes", .int(parameterBytes)), ("tensors", .int(parameterTensors))])),
            ("flops_per_run", flopsPerRun.map { .int($0) } ?? .null),
            ("metadata", .object(meta)),
            ("session", session),
            ("unsupported", .array(unsupported.map { u in
                .object([("node", .string(u.node)), ("op", .string(u.opType)), ("domain", .string(u.domain)), ("opset", .int(Int(u.opset))), ("reason", .string(u.reason))])
            })),
            ("error", .optional(sessionError)),
        ])
    }

    static func preprocessJSON(_ p: InputPreprocessing) -> JSONValue {
        .object([
            ("color", .string(p.color)), ("width", .int(p.width)), ("height", .int(p.height)), ("resize", .string(p.resize)),
            ("resize_shorter", p.resizeShorter.map { .int($0) } ?? .null), ("scale", .float(p.scale)),
            ("mean", .array(p.mean.map { .float($0) })), ("std", .array(p.std.map { .float($0) })), ("layout", .string(p.layout)),
        ])
    }
}
