import NNFormat
import NNRuntime

/// Times a model file in the inference runtime (`InferenceSession.run`), for the placement study.
public enum ModelBenchmark {
    /// Latency statistics of one model at one batch size, in milliseconds.
    public struct Result: Sendable {
        public var batch: Int, threads: Int, runs: Int
        public var medianMs: Double, meanMs: Double, minMs: Double
    }

    /// Loads `path`, runs it `warmup` times and then `runs` times on random input, and reports latency.
    public static func run(path: String, batch: Int = 1, threads: Int = 1, runs: Int = 100, warmup: Int = 10) throws(TrainError) -> Result {
        let session: InferenceSession
        do throws(RuntimeError) {
            session = try InferenceSession(contentsOf: path, options: SessionOptions(threads: threads))
        } catch {
            throw .invalidData(source: path, detail: "\(error)")
        }
        guard let input = session.inputs.first else { throw .invalidData(source: path, detail: "the model has no inputs") }
        let shape = input.shape.enumerated().map { i, d -> Int in
            if case .value(let v) = d { return v }
            return i == 0 ? batch : 1
        }
        var rng = SeededGenerator(seed: 7)
        let tensor = Tensor(shape: shape, floats: (0..<shape.reduce(1, *)).map { _ in Float(rng.nextGaussian()) })
        var times: [Double] = []
        for i in 0..<(warmup + runs) {
            let start = Trainer.now()
            do throws(RuntimeError) {
                _ = try session.run([tensor])
            } catch {
                throw .invalidData(source: path, detail: "run failed: \(error)")
            }
            if i >= warmup { times.append((Trainer.now() - start) * 1000) }
        }
        times.sort()
        return Result(batch: shape.first ?? batch, threads: threads, runs: runs, medianMs: times[times.count / 2],
                      meanMs: times.reduce(0, +) / Double(times.count), minMs: times[0])
    }
}
