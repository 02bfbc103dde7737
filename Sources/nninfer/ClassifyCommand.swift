import ArgumentParser
import Foundation
import NNFormat
import NNImage
import NNRuntime

/// `nninfer classify MODEL PATH...`: the top-k classes of each image.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify image files (PNG, JPEG, PGM/PPM) with a model; the default command.",
        discussion: """
            PATH is an image file, a directory (searched recursively; images found by content or \
            extension, sorted by path) or - (paths on standard input, one per line). Preprocessing \
            comes from the model's nninfer.preprocess metadata, else from its input shape; each flag \
            overrides one piece. Results go to standard output; errors, notes, the progress bar (on a \
            terminal) and a summary line go to standard error.

            --format csv columns: file,rank,index,label,probability (rank 1 = best; label empty without labels).
            --format json: one object per line: {"file":PATH,"top":[{"index":I,"label":L|null,"probability":P},...]}, best first.

            Exit status: 0 all files classified, 1 some file failed (each reported as \
            'nninfer: PATH: reason'; a missing PATH or a directory without images counts as one), \
            2 usage or model error.
            """)

    @Argument(help: "The model file (.onnx).") var model: String
    @Argument(help: "Image files, directories, or - for paths on standard input.") var paths: [String] = []
    @OptionGroup(title: "Preprocessing (overrides the model's metadata)") var preprocess: PreprocessOptions
    @Option(name: .customLong("top-k"), help: "Classes to print per image.") var topK = 5
    @Option(help: "text, json (one object per line) or csv.") var format: OutputFormat = .text
    @Option(help: "A labels file, one label per line (overrides the model's labels).") var labels: String?
    @Option(help: "Images per inference batch.") var batch = 16
    @Option(help: "Worker threads of each inference run (default: all cores divided by --jobs).") var threads: Int?
    @Option(help: "Batches run at the same time, each on its own --threads.") var jobs = 1
    @Option(name: .customLong("max-pixels"), help: "Refuse images with more pixels than this.") var maxPixels = 50_000_000
    @Flag(help: "No summary line and no progress bar on standard error.") var quiet = false
    @Option(name: .customLong("dump-tensors"), help: ArgumentHelp("Also write each image's input tensor to DIR/NAME.npy.", visibility: .hidden))
    var dumpTensors: String?

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("give at least one image file, directory, or - for paths on standard input") }
        guard topK >= 1 else { throw ValidationError("--top-k must be at least 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard maxPixels >= 1 else { throw ValidationError("--max-pixels must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let session = try loadSession(model, threads: threads ?? max(1, SessionOptions.coreCount / jobs))
        guard session.inputs.count == 1, let input = session.inputs.first, input.elementType == .float else {
            throw CLIError(message: "\(model): classify needs a model with one float image input; this one has \(session.inputs.map { "\($0.name) (\($0.elementType))" }.joined(separator: ", "))")
        }
        let metadata: ModelMetadata
        do { metadata = try ModelMetadata(from: session.model, source: model) } catch { throw CLIError(message: error.description) }
        let resolved = try PreprocessingResolver.resolve(metadata: metadata.preprocessing, shape: input.shape, flags: preprocess, model: model)
        if let note = resolved.note { printError("note: " + note) }
        let labels = try self.labels.map(Labels.read) ?? metadata.labels
        if let dumpTensors { try createDirectory(dumpTensors) }

        var collector = InputCollector()
        let items = collector.collect(paths)
        let pipeline = ImagePipeline(items: items, preprocessing: resolved.preprocessing, batchSize: batch, pixelLimit: maxPixels, queueCapacity: jobs + 1)
        let classifier = BatchClassifier(session: session, preprocessing: resolved.preprocessing, output: metadata.output, labels: labels, topK: topK, model: model)
        let writer = ResultWriter(format: format, classes: classifier.declaredClasses ?? labels?.count ?? 1000)
        let progress = ProgressReporter(total: items.count, enabled: !quiet)
        var dumper = dumpTensors.map { TensorDumper(directory: $0, shape: resolved.preprocessing.shape(batch: 1)) }
        let out = StandardOutput()
        if let header = writer.header { out.write(header) }

        pipeline.start()
        var done = 0, failed = 0
        var labelsChecked = false
        while true {
            // Up to --jobs batches at once; results still come out in input order.
            var group: [ImagePipeline.Batch] = []
            while group.count < jobs, let next = pipeline.next() { group.append(next) }
            guard !group.isEmpty else { break }
            let scored: [BatchClassifier.Scored]
            do {
                scored = try classifier.classify(group)
                for batch in group { try dumper?.dump(batch, elementCount: resolved.preprocessing.elementCount) }
            } catch {
                pipeline.cancel()
                progress.clear()
                throw error
            }
            for (batch, result) in zip(group, scored) {
                if !labelsChecked, result.classes > 0 {
                    labelsChecked = true
                    if let labels, labels.count != result.classes {
                        progress.clear()
                        printError("note: \(labels.count) labels for \(result.classes) classes; classes without a label print only their index")
                    }
                }
                for entry in batch.entries {
                    done += 1
                    if let row = entry.row {
                        out.write(writer.render(file: entry.path, top: result.predictions[row]))
                    } else {
                        failed += 1
                        progress.clear()
                        printError("\(entry.path): \(entry.failure ?? "failed")")
                    }
                }
            }
            out.flush()
            progress.update(done: done)
        }
        progress.clear()
        out.flush()
        if !quiet {
            let seconds = progress.elapsed
            let rate = Double(done - failed) / max(seconds, 1e-9)
            printError("\(done) file\(done == 1 ? "" : "s"), \(failed) failed, \(String(format: "%.1f", rate)) images/s (\(String(format: "%.2f", seconds)) s)")
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
