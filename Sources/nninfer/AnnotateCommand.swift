import ArgumentParser
import NNFormat

/// `nninfer annotate MODEL ... -o OUT`: adds or replaces nninfer's metadata in any ONNX file.
struct AnnotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Store labels, preprocessing and the output kind in a model, so classify needs no flags.",
        discussion: """
            Starts from the model's own nninfer.* metadata (or, without it, from what its input shape \
            implies), applies the flags, and writes the model with the result to OUT atomically (OUT \
            may be MODEL). Everything else in the model is kept. Tensor data the model keeps in \
            external files is read into memory and written inline into OUT (a model larger than \
            2 GiB cannot be written and is refused).
            """)

    @Argument(help: "The model file (.onnx).") var model: String
    @Option(help: "A labels file, one label per line in class-index order.") var labels: String?
    @OptionGroup(title: "Preprocessing") var preprocess: PreprocessOptions
    @Option(help: "What the first output holds: logits (softmax applied by classify) or probabilities.") var output: String?
    @Option(name: .customLong("training"), help: ArgumentHelp("A training fact to record, KEY=VALUE (repeatable).", valueName: "KEY=VALUE"))
    var trainingFacts: [String] = []
    @Option(name: .shortAndLong, help: "Where to write the annotated model.") var outputFile: String

    func validate() throws {
        if let output, output != "logits", output != "probabilities" {
            throw ValidationError("--output must be logits or probabilities")
        }
        for fact in trainingFacts where !fact.contains("=") {
            throw ValidationError("--training '\(fact)' should be KEY=VALUE")
        }
    }

    func run() throws {
        var loaded: Model
        do {
            loaded = try ModelReader.read(contentsOf: model, options: ReadOptions(externalData: .allowModelDirectory))
        } catch {
            throw CLIError(message: error.description)
        }
        var metadata: ModelMetadata
        do { metadata = try ModelMetadata(from: loaded, source: model) } catch { throw CLIError(message: error.description) }
        guard let input = loaded.graph.feedInputs.first else {
            throw CLIError(message: "\(model): the model has no input to describe")
        }
        let resolved = try PreprocessingResolver.resolve(
            metadata: metadata.preprocessing, shape: input.type?.shape ?? [], flags: preprocess, model: model)
        metadata.preprocessing = resolved.stored
        if let labels {
            let list = try Labels.read(labels)
            if let classes = Self.classes(of: loaded), classes != list.count {
                throw CLIError(message: "\(labels): \(list.count) labels, but the model's output '\(loaded.graph.outputs.first?.name ?? "")' has \(classes) classes")
            }
            metadata.labels = list
        }
        if let output {
            metadata.output = output
        } else if metadata.output == nil {
            metadata.output = loaded.graph.nodes.last?.opType == "Softmax" ? "probabilities" : "logits"
        }
        if !trainingFacts.isEmpty {
            var training = metadata.training ?? [:]
            for fact in trainingFacts {
                let parts = fact.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                training[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            metadata.training = training
        }
        metadata.apply(to: &loaded)
        do {
            try ModelWriter.write(loaded, to: outputFile)
        } catch {
            throw CLIError(message: error.description)
        }
        printError("wrote \(outputFile): " + PreprocessingResolver.summary(resolved.stored)
            + (metadata.labels.map { ", \($0.count) labels" } ?? "") + ", output \(metadata.output ?? "logits")")
    }

    /// Classes per image of the first output when its shape fixes them.
    static func classes(of model: Model) -> Int? {
        guard let shape = model.graph.outputs.first?.type?.shape, shape.count >= 2 else { return nil }
        var product = 1
        for d in shape.dropFirst() {
            guard case .value(let v) = d else { return nil }
            product *= v
        }
        return product
    }
}
