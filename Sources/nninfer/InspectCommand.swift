import ArgumentParser
import Foundation
import NNFormat
import NNRuntime

/// `nninfer inspect MODEL [--json]`: what a model holds and what the runtime makes of it.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model's inputs, outputs, operators, parameters, FLOPs, metadata and what the runtime does with it.",
        discussion: """
            Unsupported operators are listed after the model's facts (exit status 2).

            --json prints one object with these keys: file, file_bytes, ir_version, opsets [{domain, version}], \
            producer {name, version}, domain, model_version, doc, inputs and outputs [{name, type, shape}] \
            (shape: numbers, strings for symbolic dimensions, null for unknown ones), nodes, \
            ops {op type: count} (most used first), parameters {count, bytes, tensors}, \
            flops_per_run (batch 1; null without a session), metadata {labels (count), preprocess \
            {color, width, height, resize, resize_shorter, scale, mean, std, layout}, output, training, \
            error, other_keys}, session {eval_semantics, rewrites [{pass, detail, bit_exact}], folded_nodes, precision_notes, \
            steps} or null, unsupported [{node, op, domain, opset, reason}], error (why no session, or null).
            """)

    @Argument(help: "The model file (.onnx).") var model: String
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        let loaded: Model
        do {
            loaded = try ModelReader.read(contentsOf: model, options: ReadOptions(externalData: .allowModelDirectory))
        } catch {
            throw CLIError(message: error.description)
        }
        let session = Result { () throws(RuntimeError) in try InferenceSession(model: loaded) }
        let summary = ModelSummary(file: model, model: loaded, session: session)
        let out = StandardOutput()
        out.write(json ? summary.json.pretty + "\n" : Self.text(summary))
        out.flush()
        if !summary.unsupported.isEmpty {
            throw CLIError(message: "\(model): \(summary.unsupported.count) unsupported operator node\(summary.unsupported.count == 1 ? "" : "s")")
        }
        if let error = summary.sessionError {
            throw CLIError(message: "\(model): \(error)")
        }
    }

    /// The human-readable form.
    static func text(_ s: ModelSummary) -> String {
        var lines: [String] = []
        func row(_ key: String, _ value: String) { lines.append(key.padding(toLength: 14, withPad: " ", startingAt: 0) + value) }
        row("model", s.file + (s.fileBytes.map { " (\(bytes($0)))" } ?? ""))
        row("format", "IR version \(s.model.irVersion), opsets " + s.model.opsetImports.map { "\($0.domain.isEmpty ? "ai.onnx" : $0.domain) \($0.version)" }.joined(separator: ", "))
        let producer = [s.model.producerName, s.model.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        row("producer", producer.isEmpty ? "(not given)" : producer)
        if !s.model.docString.isEmpty { row("doc", s.model.docString.replacingOccurrences(of: "\n", with: " ")) }
        let nameWidth = (s.inputs + s.outputs).map(\.name.count).max() ?? 0
        for (title, list) in [("inputs", s.inputs), ("outputs", s.outputs)] {
            for (i, io) in list.enumerated() {
                row(i == 0 ? title : "", io.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  \(io.type) \(ModelSummary.shapeText(io.shape))")
            }
        }
        row("nodes", "\(s.model.graph.nodes.count): " + s.ops.map { "\($0.op) \($0.count)" }.joined(separator: ", "))
        row("parameters", "\(grouped(s.parameterCount)) in \(s.parameterTensors) tensors (\(bytes(s.parameterBytes)))")
        row("FLOPs", s.flopsPerRun.map { "\(scaled($0))FLOP per run at batch 1" } ?? "(no session)")
        lines.append("metadata")
        switch s.metadata {
        case .success(let m):
            let labels = m.labels.map { l in "\(l.count)" + (l.isEmpty ? "" : " (" + l.prefix(5).joined(separator: ", ") + (l.count > 5 ? ", ..." : "") + ")") }
            row("  labels", labels ?? "(none)")
            row("  preprocess", m.preprocessing.map(PreprocessingResolver.summary) ?? "(none: classify infers it from the input shape)")
            row("  output", m.output ?? "(not given: softmax unless the scores already sum to 1)")
            row("  training", m.training.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") } ?? "(none)")
        case .failure(let e):
            row("  error", e.description)
        }
        if !s.otherMetadataKeys.isEmpty { row("  other", s.otherMetadataKeys.joined(separator: ", ")) }
        if let r = s.report {
            lines.append("session")
            lines.append("  eval semantics" + (r.evalSemantics.isEmpty ? ": nothing to change" : ""))
            lines += r.evalSemantics.map { "    " + $0 }
            lines.append("  rewrites" + (r.rewrites.isEmpty ? ": none" : ""))
            lines += r.rewrites.map { "    \($0.pass): \($0.detail)" + ($0.bitExact ? " (bit-exact)" : " (reassociating: a few ulps of difference)") }
            lines.append("  folded nodes: " + (r.foldedNodes.isEmpty ? "none" : r.foldedNodes.joined(separator: ", ")))
            lines.append("  precision" + (r.precisionNotes.isEmpty ? ": every kernel sums directly" : ""))
            lines += r.precisionNotes.map { "    " + $0 }
            lines.append("  steps (\(r.steps.count))")
            lines += r.steps.map { "    " + $0 }
        }
        if !s.unsupported.isEmpty {
            lines.append("unsupported operators")
            lines += s.unsupported.map { "  " + $0.description }
        }
        if let e = s.sessionError { lines.append("session error: " + e) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `1234567` → `1,234,567`.
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return out
    }

    /// `1.7 MB`, `512 bytes`.
    static func bytes(_ n: Int) -> String {
        n < 1000 ? "\(n) bytes" : scaled(n) + "B"
    }

    /// `4.58 M`, `1.82 G` (SI prefixes, with a trailing space for the unit).
    static func scaled(_ n: Int) -> String {
        let v = Double(n)
        for (limit, prefix) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] where v >= limit {
            return String(format: "%.3g", v / limit) + " " + prefix
        }
        return "\(n) "
    }
}
