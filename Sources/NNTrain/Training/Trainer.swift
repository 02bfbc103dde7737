#if canImport(Glibc)
import Glibc
#endif

/// Trains a classifier network on a dataset with softmax cross-entropy, minibatches shuffled from
/// a seed, and the optimizer and schedule of its options; evaluates in eval mode.
public final class Trainer {
    /// The network being trained.
    public let network: Network
    /// The run's hyper-parameters.
    public let options: TrainingOptions
    /// Maps pixels to inputs (fitted on the training data by the caller).
    public let normalization: Normalization
    private let optimizer: any Optimizer
    private var rng: SeededGenerator

    /// Prepares a run; throws if the options are out of range.
    public init(network: Network, options: TrainingOptions, normalization: Normalization) throws(TrainError) {
        try options.validate()
        self.network = network
        self.options = options
        self.normalization = normalization
        optimizer = options.makeOptimizer()
        rng = SeededGenerator(seed: options.seed).derived(0x5348_5546)   // "SHUF"
    }

    /// Trains for `options.epochs` epochs, reporting progress; stops with `.diverged` on a
    /// non-finite loss.
    @discardableResult
    public func fit(train: Dataset, validation: Dataset?, progress: (TrainingEvent) -> Void = { _ in }) throws(TrainError) -> [EpochReport] {
        guard train.shape == network.inputShape else {
            throw .invalidArgument("the data's images are \(train.shape), the network expects \(network.inputShape)")
        }
        guard network.outputShape == [train.classNames.count] else {
            throw .invalidArgument("the network has \(network.outputShape) outputs for \(train.classNames.count) classes; end the SPEC with fc\(train.classNames.count)")
        }
        let hasBatchNorm = !network.batchNorms.isEmpty
        var order = Array(0..<train.count)
        let b = options.batchSize
        // A final batch of one cannot be batch-normalised; it is dropped.
        let steps = (train.count + b - 1) / b - ((hasBatchNorm && train.count % b == 1) ? 1 : 0)
        guard steps >= 1 else { throw .invalidArgument("not enough training data for one batch") }
        var reports: [EpochReport] = []
        let shift = RandomShift(maxShift: options.augmentShift)
        let fill = zip(normalization.mean, normalization.std).map { -$0 / $1 }
        var augmentRNG = SeededGenerator(seed: options.seed).derived(0x4155_4731)   // "AUG1"
        for epoch in 0..<options.epochs {
            order.shuffle(using: &rng)
            var lossSum: Double = 0, correct = 0, seen = 0
            var lr = options.learningRate
            let start = Self.now()
            for step in 0..<steps {
                let indices = order[(step * b)..<min((step + 1) * b, train.count)]
                lr = options.schedule.rate(base: options.learningRate, epoch: epoch, step: epoch * steps + step, totalSteps: options.epochs * steps)
                var x = normalization.batch(train, indices)
                shift.apply(&x, fill: fill, rng: &augmentRNG)
                let labels = indices.map { train.labels[$0] }
                let logits = network.forward(x, mode: .train)
                let (loss, gradient, right) = SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
                guard loss.isFinite else {
                    throw .diverged(epoch: epoch + 1, step: step + 1, detail: "the loss is \(loss)")
                }
                network.zeroGradients()
                network.backward(gradient)
                optimizer.step(network.parameters, lr: lr)
                lossSum += loss * Double(indices.count)
                correct += right
                seen += indices.count
                progress(.step(epoch: epoch + 1, step: step + 1, steps: steps, loss: loss))
            }
            let seconds = max(Self.now() - start, 1e-9)
            var report = EpochReport(epoch: epoch + 1, loss: lossSum / Double(seen), trainAccuracy: Double(correct) / Double(seen),
                                     validationAccuracy: nil, validationLoss: nil, imagesPerSecond: Double(seen) / seconds, learningRate: lr)
            if let validation {
                let e = evaluate(validation)
                (report.validationAccuracy, report.validationLoss) = (e.accuracy, e.logLoss)
            }
            reports.append(report)
            progress(.epoch(report))
        }
        return reports
    }

    /// Eval-mode accuracy, mean log-loss and logits `(N, classes)` over a dataset.
    public func evaluate(_ data: Dataset, batchSize: Int = 250) -> (accuracy: Double, logLoss: Double, logits: [Float]) {
        var correct = 0, lossSum: Double = 0
        var logits: [Float] = []
        logits.reserveCapacity(data.count * data.classNames.count)
        let all = Array(0..<data.count)
        for start in stride(from: 0, to: data.count, by: batchSize) {
            let indices = all[start..<min(start + batchSize, data.count)]
            let out = network.forward(normalization.batch(data, indices), mode: .eval)
            let r = SoftmaxCrossEntropy.evaluate(logits: out, labels: indices.map { data.labels[$0] })
            correct += r.correct
            lossSum += r.loss * Double(indices.count)
            logits += out.values
        }
        return (Double(correct) / Double(max(data.count, 1)), lossSum / Double(max(data.count, 1)), logits)
    }

    /// Monotonic seconds.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
