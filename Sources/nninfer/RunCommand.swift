import ArgumentParser
import NNFormat
import NNRuntime

/// `nninfer run MODEL [INPUT ...] --output-dir DIR`: runs a model on tensor files.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model on tensor files (.pb TensorProto or .npy) and write its outputs.",
        discussion: """
            Inputs are matched to the graph's inputs in order, or by name with --input NAME=FILE. \
            Outputs are written as DIR/output_0.pb, output_1.pb, ... in graph-output order (.npy with --npy).
            """)

    @Argument(help: "The model file (.onnx).") var model: String
    @Argument(help: "Input tensor files, in graph-input order.") var inputs: [String] = []
    @Option(name: .customLong("input"), help: "An input by name: NAME=FILE (repeatable).") var namedInputs: [String] = []
    @Option(name: .customLong("output-dir"), help: "Where to write the outputs.") var outputDir: String
    @Flag(help: "Write .npy files instead of TensorProto .pb files.") var npy = false
    @Option(help: "Worker threads (default: all cores).") var threads: Int?
    @Flag(name: .customLong("no-optimize"), help: "Skip graph rewrites (eval semantics still apply).") var noOptimize = false
    @Flag(name: .customLong("no-winograd"), help: "Direct kernels only: no Winograd 3x3 convolutions (which reassociate sums).")
    var noWinograd = false

    func run() throws {
        let session = try loadSession(model, threads: threads, optimize: !noOptimize, winograd: !noWinograd)
        var feeds: [String: Tensor] = [:]
        let feedInfos = session.inputs
        guard inputs.count <= feedInfos.count else {
            throw CLIError(message: "\(model): the model has \(feedInfos.count) inputs, \(inputs.count) files given")
        }
        for (info, path) in zip(feedInfos, inputs) { feeds[info.name] = try readTensor(path) }
        for spec in namedInputs {
            guard let eq = spec.firstIndex(of: "=") else { throw CLIError(message: "--input '\(spec)' should be NAME=FILE") }
            let name = String(spec[..<eq]), path = String(spec[spec.index(after: eq)...])
            guard feedInfos.contains(where: { $0.name == name }) else {
                throw CLIError(message: "\(model): no input named '\(name)' (inputs: \(feedInfos.map(\.name).joined(separator: ", ")))")
            }
            feeds[name] = try readTensor(path)
        }
        for info in feedInfos where feeds[info.name] == nil {
            throw CLIError(message: "\(model): no tensor given for input '\(info.name)'")
        }
        let results: [String: Tensor]
        do { results = try session.run(feeds) } catch { throw CLIError(message: "\(model): \(error)") }
        try createDirectory(outputDir)
        for (i, info) in session.outputs.enumerated() {
            guard let t = results[info.name] else { continue }
            let data = t.tensorData(name: info.name)
            let path = "\(outputDir)/output_\(i).\(npy ? "npy" : "pb")"
            do {
                if npy { try NumpyFile.write(data, to: path) } else { try TensorFile.write(data, to: path) }
            } catch {
                throw CLIError(message: error.description)
            }
        }
    }

    /// Reads a `.npy` or TensorProto file as a runtime tensor.
    func readTensor(_ path: String) throws -> Tensor {
        let data: TensorData
        do {
            data = path.hasSuffix(".npy") ? try NumpyFile.read(contentsOf: path) : try TensorFile.read(contentsOf: path)
        } catch {
            throw CLIError(message: error.description)
        }
        guard let t = Tensor(data) else {
            throw CLIError(message: "\(path): tensor of type \(data.elementType) is not supported (float32 and integer types)")
        }
        return t
    }
}

/// Creates a session with the CLI's error reporting.
func loadSession(_ path: String, threads: Int?, optimize: Bool = true, winograd: Bool = true) throws -> InferenceSession {
    var options = SessionOptions()
    if let threads { options.threads = max(1, threads) }
    options.optimize = optimize
    options.allowWinograd = winograd
    do {
        return try InferenceSession(contentsOf: path, options: options)
    } catch let RuntimeError.format(e) {
        throw CLIError(message: e.description)
    } catch {
        throw CLIError(message: "\(path): \(error)")
    }
}
