import ArgumentParser
import Foundation
import NNFormat
import NNImage
import NNTrain

/// `nntrain train`: load data, hold out a stratified part, train, export.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train a classifier and write it as an ONNX model.",
        discussion: """
            DATA is an MNIST IDX image file (plain or .gz; labels beside it or --labels), a digit CSV \
            (784 pixels 0-255 then the label per line, plain or .gz), or an image folder root/<class>/*.png|jpg. \
            Progress goes to stderr. Exit codes: 0 done, 1 diverged or write failed, 2 bad arguments or data.
            """)

    @Option(help: "Architecture SPEC (see `nntrain --help`).") var arch: String
    @Option(help: "Training data: IDX file, digit CSV, or image folder.") var data: String
    @Option(help: "IDX label file (default: MNIST's name beside the image file).") var labels: String?
    @Option(help: "Classes of IDX/CSV digit data.") var classes: Int = 10
    @Option(help: "Color mode for image folders: gray or rgb.") var color: String = "gray"
    @Option(help: "Resize image-folder images to WxH (default: all must have one size).") var resize: String?
    @Option(help: "Passes over the training data.") var epochs: Int = 10
    @Option(help: "Images per step.") var batch: Int = 64
    @Option(help: "Base learning rate.") var lr: Float = 0.05
    @Option(help: "sgd or adam.") var optimizer: String = "sgd"
    @Option(help: "SGD momentum.") var momentum: Float = 0.9
    @Option(name: .customLong("weight-decay"), help: "L2 weight decay.") var weightDecay: Float = 0
    @Option(help: "Learning-rate schedule: constant, step or cosine.") var schedule: String = "constant"
    @Option(name: .customLong("step-size"), help: "step schedule: epochs between decays (default: epochs/3).") var stepSize: Int?
    @Option(help: "step schedule: decay factor.") var gamma: Float = 0.1
    @Option(name: .customLong("val-split"), help: "Fraction held out, stratified and shuffled with the seed (default 0.2 without --val).") var valSplit: Double?
    @Option(help: "Separate held-out data (same formats as --data).") var val: String?
    @Option(name: .customLong("augment-shift"), help: "Shift training images randomly by up to N pixels (0 = off).") var augmentShift: Int = 0
    @Option(help: "Seed for weights, dropout masks, split and shuffling.") var seed: UInt64 = 1
    @Option(help: "Worker threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Where to write the model.") var out: String
    @Option(help: "Also write held-out images as PNG <label>_<index>.png into this folder.") var samples: String?
    @Option(name: .customLong("samples-per-class"), help: "Images per class for --samples.") var samplesPerClass: Int = 2
    @Option(name: .customLong("summary-json"), help: "Write the final metrics as JSON here.") var summaryJSON: String?

    func run() throws {
        var options = TrainingOptions()
        options.epochs = epochs
        options.batchSize = batch
        options.learningRate = lr
        guard let kind = TrainingOptions.OptimizerKind(rawValue: optimizer) else { throw TrainError.invalidArgument("--optimizer must be sgd or adam") }
        options.optimizer = kind
        options.momentum = momentum
        options.weightDecay = weightDecay
        options.seed = seed
        options.augmentShift = augmentShift
        switch schedule {
        case "constant": options.schedule = .constant
        case "step": options.schedule = .step(every: stepSize ?? max(1, epochs / 3), gamma: gamma)
        case "cosine": options.schedule = .cosine
        default: throw TrainError.invalidArgument("--schedule must be constant, step or cosine")
        }
        try options.validate()
        guard threads >= 1 else { throw TrainError.invalidArgument("--threads must be at least 1") }
        let specs = try ArchitectureSpec.parse(arch)

        // Everything about the data is checked before training starts.
        var loadOptions = DatasetLoader.Options()
        loadOptions.labels = labels
        loadOptions.classes = classes
        guard let mode = ColorMode(rawValue: color), mode != .bgr else { throw TrainError.invalidArgument("--color must be gray or rgb") }
        loadOptions.color = mode
        if let resize {
            let wh = resize.lowercased().split(separator: "x").compactMap { Int($0) }
            guard wh.count == 2, wh.allSatisfy({ $0 > 0 }) else { throw TrainError.invalidArgument("--resize must be WxH, e.g. 28x28") }
            loadOptions.resize = (wh[0], wh[1])
        }
        let all = try DatasetLoader.load(data, options: loadOptions)
        let train: Dataset, held: Dataset
        var split = ""
        if let val {
            guard valSplit == nil else { throw TrainError.invalidArgument("give --val or --val-split, not both") }
            train = all
            held = try DatasetLoader.load(val, options: loadOptions)
            guard held.shape == train.shape, held.classNames == train.classNames else {
                throw TrainError.invalidData(source: val, detail: "images \(held.shape) / classes \(held.classNames) differ from the training data's \(train.shape) / \(train.classNames)")
            }
            split = "separate held-out data \(val)"
        } else {
            let fraction = valSplit ?? 0.2
            let parts = try DatasetSplit.stratified(labels: all.labels, classes: all.classNames.count, fraction: fraction, seed: seed)
            train = all.subset(parts.train)
            held = all.subset(parts.validation)
            split = "stratified \(fraction) of each class held out, shuffled with seed \(seed)"
        }
        let normalization = Normalization(fitting: train)
        let network = try Network(layerSpecs: specs, inputShape: train.shape, seed: seed, threads: threads, specText: arch)
        writeStderr("nntrain: \(all.count) images \(train.shape) in \(all.classNames.count) classes from \(data); "
            + "\(train.count) train, \(held.count) held out; \(network.parameterCount) parameters; \(threads) thread(s)\n")

        let trainer = try Trainer(network: network, options: options, normalization: normalization)
        var printer = ProgressPrinter(epochs: epochs)
        let start = Date()
        let reports = try trainer.fit(train: train, validation: held) { printer.handle($0) }
        let final = trainer.evaluate(held)
        let placement = Placement.describe(specs)
        let record: [String: String] = [
            "dataset": "\((data as NSString).lastPathComponent) (\(all.count) images; \(split))",
            "train_images": "\(train.count)", "validation_images": "\(held.count)",
            "epochs": "\(epochs)", "batch": "\(batch)", "seed": "\(seed)", "threads": "\(threads)",
            "optimizer": optimizer, "lr": "\(lr)", "momentum": "\(momentum)", "weight_decay": "\(weightDecay)", "schedule": schedule, "augment_shift": "\(augmentShift)",
            "arch": arch, "bn_placement": placement.batchNorm, "dropout_placement": placement.dropout,
            "validation_accuracy": String(format: "%.4f", final.accuracy), "validation_log_loss": String(format: "%.4f", final.logLoss),
            "final_train_loss": String(format: "%.4f", reports.last?.loss ?? .nan),
            "trainer": "nntrain (NNTrain, Swift)",
        ]
        let preprocessing = InputPreprocessing(
            color: train.channels == 1 ? "gray" : "rgb", width: train.width, height: train.height, resize: "stretch",
            scale: 1.0 / 255, mean: normalization.mean, std: normalization.std, layout: "NCHW")
        let metadata = ModelMetadata(labels: train.classNames, preprocessing: preprocessing, output: "logits", training: record)
        let name = ((out as NSString).lastPathComponent as NSString).deletingPathExtension
        try network.writeModel(to: out, name: name.isEmpty ? "nntrain" : name, metadata: metadata)
        let seconds = Date().timeIntervalSince(start)
        writeStderr(String(format: "nntrain: wrote %@: held-out accuracy %.2f%% (%d images), log-loss %.4f, %.1f s\n",
                           out, final.accuracy * 100, held.count, final.logLoss, seconds))
        if let samples {
            let written = try SampleImages.write(held, indices: Array(0..<held.count), perClass: samplesPerClass, to: samples)
            writeStderr("nntrain: wrote \(written.count) sample images to \(samples)\n")
        }
        if let summaryJSON {
            let summary: [String: Any] = [
                "validation_accuracy": final.accuracy, "validation_log_loss": final.logLoss, "epochs": epochs, "seed": seed,
                "train_seconds": seconds, "images_per_second": reports.last?.imagesPerSecond ?? 0, "arch": arch,
                "bn_placement": placement.batchNorm, "dropout_placement": placement.dropout, "model": out,
            ]
            let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys, .prettyPrinted])
            try json.write(to: URL(fileURLWithPath: summaryJSON))
        }
    }
}
