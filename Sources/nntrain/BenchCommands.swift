import ArgumentParser
import Foundation
import NNTrain

/// `nntrain bench-model` (hidden): inference latency of a model file in the runtime.
struct BenchModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-model", abstract: "Time InferenceSession.run on a model (for tools/placement-study).", shouldDisplay: false)

    @Argument(help: "The model file.") var model: String
    @Option(help: "Batch size for a symbolic batch dimension.") var batch: Int = 1
    @Option(help: "Runtime threads.") var threads: Int = 1
    @Option(help: "Timed runs.") var runs: Int = 200
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let r = try ModelBenchmark.run(path: model, batch: batch, threads: threads, runs: runs)
        if json {
            print(String(format: "{\"model\": \"%@\", \"batch\": %d, \"threads\": %d, \"runs\": %d, \"median_ms\": %.4f, \"mean_ms\": %.4f, \"min_ms\": %.4f}",
                         model, r.batch, r.threads, r.runs, r.medianMs, r.meanMs, r.minMs))
        } else {
            print(String(format: "%@: batch %d, %d thread(s): median %.3f ms, mean %.3f ms, min %.3f ms over %d runs",
                         model, r.batch, r.threads, r.medianMs, r.meanMs, r.minMs, r.runs))
        }
    }
}

/// `nntrain bench-train` (hidden): training images/s on synthetic data.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-train", abstract: "Training throughput on synthetic data (for tools/bench-train).", shouldDisplay: false)

    @Option(help: "Architecture SPEC.") var arch: String = "conv5x5-20,relu,maxpool2,conv5x5-50,relu,maxpool2,flatten,fc500,relu,fc10"
    @Option(help: "Input shape CxHxW.") var input: String = "1x28x28"
    @Option(help: "Classes (the SPEC's last fc).") var classes: Int = 10
    @Option(help: "Images per step.") var batch: Int = 64
    @Option(help: "Threads.") var threads: Int = 1
    @Option(help: "Timed steps.") var steps: Int = 50
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let ips = try TrainingBenchmark.imagesPerSecond(spec: arch, inputShape: try parseShape(input), classes: classes,
                                                        batch: batch, threads: threads, steps: steps)
        if json {
            print(String(format: "{\"batch\": %d, \"threads\": %d, \"steps\": %d, \"images_per_second\": %.1f}", batch, threads, steps, ips))
        } else {
            print(String(format: "nntrain: batch %d, %d thread(s): %.1f images/s", batch, threads, ips))
        }
    }
}
