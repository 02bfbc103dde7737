/// Helpers for untrained models (`nntrain init`).
public enum ModelInitializer {
    /// Sets every BatchNorm's running statistics to those of one training-mode batch of random
    /// normal inputs, so an untrained model's activations stay in a realistic range.
    public static func calibrateBatchNorm(_ network: Network, seed: UInt64, batch: Int = 16) {
        let saved = network.batchNorms.map(\.momentum)
        for bn in network.batchNorms { bn.momentum = 1 }
        var rng = SeededGenerator(seed: seed).derived(0xCA11)
        let size = network.inputShape.reduce(1, *)
        let x = Activations(shape: [batch] + network.inputShape, values: (0..<(batch * size)).map { _ in Float(rng.nextGaussian()) })
        _ = network.forward(x, mode: .train)
        for (bn, m) in zip(network.batchNorms, saved) { bn.momentum = m }
    }
}
