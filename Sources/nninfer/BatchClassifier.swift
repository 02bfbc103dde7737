import NNFormat
import NNImage
import NNRuntime

/// Runs the model on one batch and turns each row of its first output into the top-k classes.
struct BatchClassifier {
    let session: InferenceSession
    let preprocessing: Preprocessing
    /// The model's `nninfer.output`: `logits`, `probabilities`, or nil (decide per row).
    let output: String?
    let labels: [String]?
    let topK: Int
    let model: String
    private var pendingNote: String?
    private var labelsChecked = false

    init(session: InferenceSession, preprocessing: Preprocessing, output: String?, labels: [String]?, topK: Int, model: String) {
        self.session = session
        self.preprocessing = preprocessing
        self.output = output
        self.labels = labels
        self.topK = topK
        self.model = model
    }

    /// Classes per image when the first output's shape fixes them.
    var declaredClasses: Int? {
        guard let shape = session.outputs.first?.shape, shape.count >= 2 else { return nil }
        var product = 1
        for d in shape.dropFirst() {
            guard case .value(let v) = d else { return nil }
            product *= v
        }
        return product
    }

    /// A note to print once (labels that do not match the classes), if one arose.
    mutating func takeNote() -> String? {
        defer { pendingNote = nil }
        return pendingNote
    }

    /// The top-k predictions of each row of the batch; model errors exit with 2.
    mutating func classify(_ batch: ImagePipeline.Batch) throws -> [[Prediction]] {
        guard batch.rows > 0 else { return [] }
        let outputs: [Tensor]
        do {
            outputs = try session.run([Tensor(shape: preprocessing.shape(batch: batch.rows), floats: batch.tensor)])
        } catch {
            throw CLIError(message: "\(model): \(error)")
        }
        guard let first = outputs.first, let values = first.floats, let rowsOut = first.shape.first, rowsOut == batch.rows, rowsOut > 0 else {
            throw CLIError(message: "\(model): the first output should be float scores of shape [N, classes]; got \(outputs.first.map { "\($0.elementType) \($0.shape)" } ?? "none")")
        }
        let classes = values.count / rowsOut
        if !labelsChecked, let labels, labels.count != classes {
            pendingNote = "\(labels.count) labels for \(classes) classes; classes without a label print only their index"
        }
        labelsChecked = true
        return (0..<rowsOut).map { r in
            let row = Array(values[(r * classes)..<((r + 1) * classes)])
            let applySoftmax = output == "logits" || (output == nil && !Scores.isDistribution(row))
            let probabilities = applySoftmax ? Scores.softmax(row) : row
            return Scores.top(probabilities, k: topK).map { best in
                Prediction(index: best.index, label: labels.flatMap { best.index < $0.count ? $0[best.index] : nil }, probability: best.value)
            }
        }
    }
}

/// Writes each image's input tensor as `.npy` (the hidden `--dump-tensors DIR`, used by
/// tools/check-preprocess): `DIR/NAME.npy` after the file's name, `NAME-2.npy`... when names repeat.
struct TensorDumper {
    let directory: String
    let shape: [Int]
    private var used: Set<String> = []

    init(directory: String, shape: [Int]) {
        self.directory = directory
        self.shape = shape
    }

    mutating func dump(_ batch: ImagePipeline.Batch, elementCount: Int) throws {
        for entry in batch.entries {
            guard let row = entry.row else { continue }
            let base = String(entry.path.split(separator: "/").last ?? "image")
            var name = base, n = 1
            while used.contains(name) {
                n += 1
                name = "\(base)-\(n)"
            }
            used.insert(name)
            let values = Array(batch.tensor[(row * elementCount)..<((row + 1) * elementCount)])
            do {
                try NumpyFile.write(TensorData(name: name, dims: shape, floats: values), to: "\(directory)/\(name).npy")
            } catch {
                throw CLIError(message: error.description)
            }
        }
    }
}
