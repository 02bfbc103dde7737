/// Measures training throughput (forward, backward and SGD update) on synthetic data.
public enum TrainingBenchmark {
    /// Images per second for `spec` on `inputShape` inputs at `batch` and `threads`, timed over
    /// `steps` steps after `warmup` steps.
    public static func imagesPerSecond(spec: String, inputShape: [Int], classes: Int, batch: Int, threads: Int,
                                       steps: Int = 50, warmup: Int = 5) throws(TrainError) -> Double {
        let net = try Network(spec: spec, inputShape: inputShape, seed: 1, threads: threads)
        guard net.outputShape == [classes] else { throw .invalidArgument("the SPEC must end with fc\(classes)") }
        var rng = SeededGenerator(seed: 2)
        let size = inputShape.reduce(1, *)
        let x = Activations(shape: [batch] + inputShape, values: (0..<(batch * size)).map { _ in Float(rng.nextGaussian()) })
        let labels = (0..<batch).map { _ in Int(rng.next() % UInt64(classes)) }
        let sgd = SGD(momentum: 0.9)
        var start = 0.0
        for step in 0..<(warmup + steps) {
            if step == warmup { start = Trainer.now() }
            let logits = net.forward(x, mode: .train)
            let (_, gradient, _) = SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
            net.zeroGradients()
            net.backward(gradient)
            sgd.step(net.parameters, lr: 0.01)
        }
        return Double(steps * batch) / (Trainer.now() - start)
    }
}
