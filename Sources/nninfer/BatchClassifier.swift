import Dispatch
import NNFormat
import NNImage
import NNRuntime
import Synchronization

/// Runs the model on batches and turns each row of its first output into the top-k classes.
/// Several batches may run at once (`--jobs`): the session is safe to share between threads.
struct BatchClassifier: Sendable {
    let session: InferenceSession
    let preprocessing: Preprocessing
    /// The model's `nninfer.output`: `logits`, `probabilities`, or nil (decide per row).
    let output: String?
    let labels: [String]?
    let topK: Int
    let model: String

    /// One batch's predictions (a list per image that decoded) and the classes per image.
    struct Scored: Sendable {
        var predictions: [[Prediction]]
        var classes: Int
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

    /// Scores `batches` concurrently (one task each); results in the same order. Model errors exit with 2.
    func classify(_ batches: [ImagePipeline.Batch]) throws -> [Scored] {
        if batches.count == 1, let only = batches.first { return [try classify(only)] }
        let results = Mutex<[Result<Scored, CLIError>]>(Array(repeating: .failure(CLIError(message: "not run")), count: batches.count))
        DispatchQueue.concurrentPerform(iterations: batches.count) { i in
            let r: Result<Scored, CLIError>
            do { r = .success(try classify(batches[i])) } catch let e as CLIError { r = .failure(e) } catch { r = .failure(CLIError(message: "\(error)")) }
            results.withLock { $0[i] = r }
        }
        return try results.withLock { $0 }.map { try $0.get() }
    }

    /// Scores one batch.
    func classify(_ batch: ImagePipeline.Batch) throws -> Scored {
        guard batch.rows > 0 else { return Scored(predictions: [], classes: 0) }
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
        let predictions = (0..<rowsOut).map { r in            let row = Array(values[(r * classes)..<((r + 1) * classes)])
            let applySoftmax = output == "logits" || (output == nil && !Scores.isDistribution(row))
            let probabilities = applySoftmax ? Scores.softmax(row) : row
            return Scores.top(probabilities, k: topK).map { best in
                Prediction(index: best.index, label: labels.flatMap { best.index < $0.count ? $0[best.index] : nil }, probability: best.value)
            }
        }
        return Scored(predictions: predictions, classes: classes)
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
