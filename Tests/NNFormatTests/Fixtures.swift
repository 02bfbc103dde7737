import NNFormat
import TestSupport

enum Fixtures {
    /// A LeNet-style digit net; `bnAfterReLU` swaps the BN and ReLU order.
    static func lenet(bnAfterReLU: Bool, seed: UInt64 = 1) throws -> Model {
        var r = SplitMix(state: seed)
        var net = NetworkBuilder(name: "lenet", channels: 1, height: 28, width: 28)
        for (cin, cout) in [(1, 6), (6, 16)] {
            try net.conv2d(outChannels: cout, kernel: 5, weight: r.floats(cout * cin * 25), bias: r.floats(cout))
            let bn = { (net: inout NetworkBuilder, r: inout SplitMix) throws in
                try net.batchNorm(scale: r.floats(cout, 0.5...1.5), bias: r.floats(cout), runningMean: r.floats(cout, -0.1...0.1), runningVariance: r.floats(cout, 0.5...1.5))
            }
            if bnAfterReLU { net.relu(); try bn(&net, &r) } else { try bn(&net, &r); net.relu() }
            try net.maxPool2d(kernel: 2)
        }
        net.flatten()
        try net.linear(outFeatures: 32, weight: r.floats(32 * 256), bias: r.floats(32))
        net.relu()
        try net.dropout(rate: 0.5)
        try net.linear(outFeatures: 10, weight: r.floats(320), bias: r.floats(10))
        let labels = (0..<10).map(String.init)
        let pre = InputPreprocessing(color: "gray", width: 28, height: 28)
        return try net.build(metadata: ModelMetadata(labels: labels, preprocessing: pre))
    }

    /// A small ResNet-style net with two residual blocks.
    static func tinyResNet(seed: UInt64 = 2) throws -> Model {
        var r = SplitMix(state: seed)
        var net = NetworkBuilder(name: "tinyresnet", channels: 3, height: 16, width: 16)
        try net.conv2d(outChannels: 8, kernel: 3, padding: 1, weight: r.floats(8 * 3 * 9))
        try net.batchNorm(scale: r.floats(8, 0.5...1.5), bias: r.floats(8), runningMean: r.floats(8), runningVariance: r.floats(8, 0.5...1.5))
        net.relu()
        for _ in 0..<2 {
            let skip = net.current
            try net.conv2d(outChannels: 8, kernel: 3, padding: 1, weight: r.floats(8 * 8 * 9))
            try net.batchNorm(scale: r.floats(8, 0.5...1.5), bias: r.floats(8), runningMean: r.floats(8), runningVariance: r.floats(8, 0.5...1.5))
            net.relu()
            try net.conv2d(outChannels: 8, kernel: 3, padding: 1, weight: r.floats(8 * 8 * 9))
            try net.batchNorm(scale: r.floats(8, 0.5...1.5), bias: r.floats(8), runningMean: r.floats(8), runningVariance: r.floats(8, 0.5...1.5))
            try net.add(skip)
            net.relu()
        }
        try net.globalAveragePool()
        net.flatten()
        try net.linear(outFeatures: 5, weight: r.floats(40), bias: r.floats(5))
        return try net.build(metadata: ModelMetadata(labels: ["a", "b", "c", "d", "e"]))
    }
}
