import ArgumentParser
import Foundation
import NNFormat
import NNTrain

/// `nntrain init`: an untrained model from a SPEC, for tests and scripts.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Write an untrained (He-initialised) model for a SPEC, without data.",
        discussion: "BatchNorm running statistics are calibrated on one batch of random normal inputs (--bn-stats calibrate) or left at mean 0, variance 1 (identity).")

    @Option(help: "Architecture SPEC (see `nntrain --help`).") var arch: String
    @Option(help: "Input shape CxHxW (or F for feature vectors).") var input: String
    @Option(help: "Where to write the model.") var out: String
    @Option(help: "Seed for the weights.") var seed: UInt64 = 1
    @Option(name: .customLong("bn-stats"), help: "calibrate or identity.") var bnStats: String = "calibrate"

    func run() throws {
        let shape = try parseShape(input)
        let network = try Network(spec: arch, inputShape: shape, seed: seed)
        switch bnStats {
        case "identity": break
        case "calibrate": ModelInitializer.calibrateBatchNorm(network, seed: seed)
        default: throw TrainError.invalidArgument("--bn-stats must be calibrate or identity")
        }
        let placement = Placement.describe(network.layerSpecs ?? [])
        var labels: [String]?
        if network.outputShape.count == 1 { labels = (0..<network.outputShape[0]).map(String.init) }
        let metadata = ModelMetadata(labels: labels, output: "logits", training: [
            "dataset": "none (untrained, nntrain init)", "epochs": "0", "seed": "\(seed)", "arch": arch,
            "bn_placement": placement.batchNorm, "dropout_placement": placement.dropout, "bn_stats": bnStats,
        ])
        let name = ((out as NSString).lastPathComponent as NSString).deletingPathExtension
        try network.writeModel(to: out, name: name.isEmpty ? "nntrain" : name, metadata: metadata)
        writeStderr("nntrain: wrote \(out): \(network.parameterCount) parameters, output \(network.outputShape)\n")
    }
}
