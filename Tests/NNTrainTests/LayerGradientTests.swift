import Testing
@testable import NNTrain

/// Every layer's backward pass against finite differences, on tiny shapes.
@Suite struct LayerGradientTests {
    let checker = GradientChecker()

    @Test func conv2dPlain() throws {
        try checker.check("conv", input: GradientChecker.input([2, 2, 5, 5], seed: 1)) {
            var rng = SeededGenerator(seed: 2)
            return try Conv2d(name: "conv", inputShape: [2, 5, 5], outChannels: 3, kernel: 3, rng: &rng)
        }
    }

    @Test func conv2dStridePaddingGroups() throws {
        try checker.check("conv/s2p1g2", input: GradientChecker.input([2, 4, 6, 5], seed: 3)) {
            var rng = SeededGenerator(seed: 4)
            let c = try Conv2d(name: "conv", inputShape: [4, 6, 5], outChannels: 6, kernel: 3, stride: 2, padding: 1, groups: 2, rng: &rng)
            for i in c.bias.value.indices { c.bias.value[i] = Float(i) * 0.1 }
            return c
        }
    }

    @Test func batchNorm2d() throws {
        try checker.check("bn2d", input: GradientChecker.input([3, 2, 3, 3], seed: 5)) {
            let bn = try BatchNorm(name: "bn", inputShape: [2, 3, 3])
            bn.scale.value = [1.5, -0.7]
            bn.shift.value = [0.2, 0.3]
            return bn
        }
    }

    @Test func batchNorm1d() throws {
        try checker.check("bn1d", input: GradientChecker.input([5, 4], seed: 6)) {
            let bn = try BatchNorm(name: "bn", inputShape: [4])
            bn.scale.value = [1.2, 0.8, -1, 0.5]
            return bn
        }
    }

    @Test func relu() throws {
        try checker.check("relu", input: GradientChecker.input([2, 3, 2, 2], seed: 7)) {
            Rectifier(name: "relu", inputShape: [3, 2, 2])
        }
    }

    @Test func leakyRelu() throws {
        try checker.check("lrelu", input: GradientChecker.input([2, 7], seed: 8)) {
            Rectifier(name: "lrelu", inputShape: [7], slope: 0.2)
        }
    }

    @Test func dropout() throws {
        try checker.check("dropout", input: GradientChecker.input([4, 6], seed: 9), fresh: true) {
            try Dropout(name: "dropout", inputShape: [6], rate: 0.4, rng: SeededGenerator(seed: 10))
        }
    }

    @Test func linear() throws {
        try checker.check("fc", input: GradientChecker.input([3, 5], seed: 11)) {
            var rng = SeededGenerator(seed: 12)
            return try Linear(name: "fc", inputShape: [5], outFeatures: 4, rng: &rng)
        }
    }

    @Test func maxPool() throws {
        try checker.check("maxpool2", input: GradientChecker.input([2, 2, 4, 5], seed: 13)) {
            try MaxPool2d(name: "maxpool", inputShape: [2, 4, 5], kernel: 2)
        }
        try checker.check("maxpool3/s2p1", input: GradientChecker.input([1, 2, 5, 5], seed: 14)) {
            try MaxPool2d(name: "maxpool", inputShape: [2, 5, 5], kernel: 3, stride: 2, padding: 1)
        }
    }

    @Test func avgPool() throws {
        try checker.check("avgpool3/s2p1", input: GradientChecker.input([2, 2, 5, 4], seed: 15)) {
            try AvgPool2d(name: "avgpool", inputShape: [2, 5, 4], kernel: 3, stride: 2, padding: 1)
        }
    }

    @Test func globalAveragePoolAndFlatten() throws {
        try checker.check("gap", input: GradientChecker.input([2, 3, 3, 2], seed: 16)) {
            try GlobalAvgPool(name: "gap", inputShape: [3, 3, 2])
        }
        try checker.check("flatten", input: GradientChecker.input([2, 3, 2, 2], seed: 17)) {
            Flatten(name: "flatten", inputShape: [3, 2, 2])
        }
    }

    @Test func residualIdentityAndProjection() throws {
        // A smaller step: BN before ReLU puts some units near the kink, which ±0.01 would cross.
        var checker = GradientChecker()
        checker.epsilon = 2e-3
        for spec in ["res(conv3x3-2p1,bn,relu,conv3x3-2p1)", "res(conv3x3-3/s2p1,relu|conv1x1-3/s2,bn)"] {
            try checker.check(spec, input: GradientChecker.input([2, 2, 4, 4], seed: 18)) {
                let net = try Network(spec: spec, inputShape: [2, 4, 4], seed: 19)
                guard let block = net.root.layers.first else { throw TrainError.invalidArgument("empty") }
                return block
            }
        }
    }

    /// The whole chain with softmax cross-entropy: network input gradient and every parameter.
    @Test func networkWithCrossEntropy() throws {
        let net = try Network(spec: "conv3x3-3p1,bn,relu,maxpool2,flatten,fc5,bn,lrelu0.1,fc3", inputShape: [1, 4, 4], seed: 20)
        let x = GradientChecker.input([4, 1, 4, 4], seed: 21)
        let labels = [0, 2, 1, 2]
        func loss(_ input: Activations) -> Double {
            SoftmaxCrossEntropy.evaluate(logits: net.forward(input, mode: .train), labels: labels).loss
        }
        let (_, gradient, _) = SoftmaxCrossEntropy.evaluate(logits: net.forward(x, mode: .train), labels: labels)
        net.zeroGradients()
        let dx = net.backward(gradient, inputGradient: true)
        let eps: Float = 1e-2
        for i in stride(from: 0, to: x.values.count, by: 3) {
            var p = x, m = x
            p.values[i] += eps
            m.values[i] -= eps
            checker.compare("network", "input[\(i)]", numeric: (loss(p) - loss(m)) / Double(2 * eps), analytic: Double(dx.values[i]))
        }
        for param in net.parameters {
            for i in stride(from: 0, to: param.count, by: max(1, param.count / 6)) {
                let saved = param.value[i]
                param.value[i] = saved + eps
                let lp = loss(x)
                param.value[i] = saved - eps
                let lm = loss(x)
                param.value[i] = saved
                checker.compare("network", "\(param.name)[\(i)]", numeric: (lp - lm) / Double(2 * eps), analytic: Double(param.gradient[i]))
            }
        }
    }
}
