import NNFormat

/// A tiny image classifier built in code: 3×8×8 RGB in, 10 logits out, with every layer kind a
/// trained CNN has (conv, batch norm, ReLU, max pool, dropout, global pool, fully connected).
/// The weights are deterministic pseudo-random numbers, so every run builds the same model.
enum TinyModel {
    static let labels = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    static let shape = [1, 3, 8, 8]

    static func build() throws(FormatError) -> Model {
        var random = Random(seed: 7)
        var net = NetworkBuilder(name: "tiny-classifier", channels: 3, height: 8, width: 8)
        try net.conv2d(outChannels: 8, kernel: 3, padding: 1, weight: random.values(8 * 3 * 3 * 3), bias: random.values(8))
        try net.batchNorm(
            scale: random.values(8, around: 1), bias: random.values(8),
            runningMean: random.values(8), runningVariance: random.values(8, around: 1))
        net.relu()
        try net.maxPool2d(kernel: 2)
        try net.conv2d(outChannels: 16, kernel: 3, padding: 1, weight: random.values(16 * 8 * 3 * 3), bias: random.values(16))
        net.relu()
        try net.dropout(rate: 0.25)
        try net.globalAveragePool()
        net.flatten()
        try net.linear(outFeatures: 10, weight: random.values(10 * 16, scale: 2), bias: random.values(10))
        return try net.build(outputName: "logits", metadata: ModelMetadata(labels: labels))
    }

    /// The example input shared with the C and Python examples: element i is ((i * 37) % 101) / 100.
    static func syntheticInput() -> [Float] {
        (0..<shape.reduce(1, *)).map { Float((($0 * 37) % 101)) / 100 }
    }
}

/// A small linear congruential generator: the same numbers on every platform.
struct Random {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(state >> 40) / Float(1 << 24)  // [0, 1)
    }

    /// `count` values uniform in [around - scale/2, around + scale/2).
    mutating func values(_ count: Int, around center: Float = 0, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in center + (next() - 0.5) * scale }
    }
}
