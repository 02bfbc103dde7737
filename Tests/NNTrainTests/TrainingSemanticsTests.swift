import Testing
@testable import NNTrain

/// BatchNorm's running-statistics update and Dropout's scaling against hand-computed values.
@Suite struct TrainingSemanticsTests {
    let context = ComputeContext(threads: 1)

    @Test func batchNormTrainingUsesBatchStatisticsAndUpdatesRunningOnes() throws {
        let bn = try BatchNorm(name: "bn", inputShape: [1, 1, 2])
        // x is (N=2, C=1, 1, 2): values 1, 2, 3, 4; mean 2.5, biased variance 1.25, unbiased 5/3.
        let x = Activations(shape: [2, 1, 1, 2], values: [1, 2, 3, 4])
        let y = bn.forward(x, mode: .train, context: context)
        let inv = 1 / (1.25 + 1e-5 as Float).squareRoot()
        for (got, v) in zip(y.values, [Float(1), 2, 3, 4]) { #expect(abs(got - (v - 2.5) * inv) < 1e-6) }
        // PyTorch convention, momentum 0.1: running = 0.9·running + 0.1·batch (unbiased variance).
        #expect(abs(bn.runningMean[0] - 0.25) < 1e-7)
        #expect(abs(bn.runningVariance[0] - (0.9 + 0.1 * 5.0 / 3.0)) < 1e-6)
        // A second batch: 0, 0, 0, 4 → mean 1, unbiased variance 4.
        _ = bn.forward(Activations(shape: [2, 1, 1, 2], values: [0, 0, 0, 4]), mode: .train, context: context)
        #expect(abs(bn.runningMean[0] - (0.9 * 0.25 + 0.1 * 1)) < 1e-6)
        #expect(abs(bn.runningVariance[0] - (0.9 * (0.9 + 0.1 * 5.0 / 3.0) + 0.1 * 4)) < 1e-6)
        // Eval uses the running statistics and changes nothing.
        let (m, v) = (bn.runningMean[0], bn.runningVariance[0])
        let e = bn.forward(x, mode: .eval, context: context)
        #expect(abs(e.values[3] - (4 - m) / (v + 1e-5).squareRoot()) < 1e-6)
        #expect(bn.runningMean[0] == m && bn.runningVariance[0] == v)
    }

    @Test func batchNorm1dStatisticsAreOverTheBatch() throws {
        let bn = try BatchNorm(name: "bn", inputShape: [2])
        // x is (N=3, F=2): feature 0 = 1, 2, 6 (mean 3, unbiased var 7); feature 1 = 5, 5, 5.
        _ = bn.forward(Activations(shape: [3, 2], values: [1, 5, 2, 5, 6, 5]), mode: .train, context: context)
        #expect(abs(bn.runningMean[0] - 0.3) < 1e-6 && abs(bn.runningMean[1] - 0.5) < 1e-6)
        #expect(abs(bn.runningVariance[0] - (0.9 + 0.7)) < 1e-6 && abs(bn.runningVariance[1] - 0.9) < 1e-6)
    }

    @Test func batchNormExportsOnnxMomentum() throws {
        let net = try Network(spec: "fc2,bn", inputShape: [3], seed: 1)
        let model = try net.exportModel(metadata: .init())
        let node = try #require(model.graph.nodes.first { $0.opType == "BatchNormalization" })
        #expect(node.attributes["momentum"] == .float(0.9))
    }

    @Test func dropoutScalesSurvivorsAndIsIdentityInEval() throws {
        let d = try Dropout(name: "d", inputShape: [10_000], rate: 0.3, rng: SeededGenerator(seed: 3))
        let x = Activations(shape: [1, 10_000], values: [Float](repeating: 2, count: 10_000))
        let y = d.forward(x, mode: .train, context: context)
        let kept = y.values.filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 2 / 0.7) < 1e-6 })
        #expect(abs(Double(kept.count) / 10_000 - 0.7) < 0.02)
        // Backward uses the same mask and scale.
        let g = d.backward(Activations(shape: [1, 10_000], values: [Float](repeating: 1, count: 10_000)), inputGradient: true, context: context)
        for (gy, yy) in zip(g.values, y.values) { #expect(gy == yy / 2) }
        #expect(d.forward(x, mode: .eval, context: context) == x)
        let none = try Dropout(name: "d0", inputShape: [4], rate: 0, rng: SeededGenerator(seed: 1))
        let small = Activations(shape: [1, 4], values: [1, 2, 3, 4])
        #expect(none.forward(small, mode: .train, context: context) == small)
    }

    @Test func dropoutRejectsBadRates() {
        #expect(throws: TrainError.self) { try Dropout(name: "d", inputShape: [2], rate: 1, rng: SeededGenerator(seed: 1)) }
        #expect(throws: TrainError.self) { try ArchitectureSpec.parse("fc4,dropout1.5") }
    }

    @Test func sgdMomentumAndWeightDecayByHand() {
        let p = Parameter(name: "w", shape: [1], value: [1])
        let sgd = SGD(momentum: 0.9, weightDecay: 0.1)
        p.gradient = [0.5]
        sgd.step([p], lr: 0.1)               // g = 0.5 + 0.1 = 0.6; v = 0.6; w = 1 − 0.06
        #expect(abs(p.value[0] - 0.94) < 1e-6)
        p.gradient = [0.5]
        sgd.step([p], lr: 0.1)               // g = 0.5 + 0.094; v = 0.54 + 0.594; w −= 0.1134
        #expect(abs(p.value[0] - (0.94 - 0.1134)) < 1e-6)
    }

    @Test func adamFirstStepMovesByTheLearningRate() {
        let p = Parameter(name: "w", shape: [2], value: [1, 1])
        p.gradient = [0.3, -2]
        Adam().step([p], lr: 0.01)           // bias-corrected m/√v = sign(g) on step one
        #expect(abs(p.value[0] - 0.99) < 1e-5 && abs(p.value[1] - 1.01) < 1e-5)
    }

    @Test func learningRateSchedules() {
        let step = LearningRateSchedule.step(every: 2, gamma: 0.5)
        #expect(step.rate(base: 1, epoch: 0, step: 0, totalSteps: 10) == 1)
        #expect(step.rate(base: 1, epoch: 3, step: 7, totalSteps: 10) == 0.5)
        #expect(step.rate(base: 1, epoch: 4, step: 9, totalSteps: 10) == 0.25)
        #expect(LearningRateSchedule.cosine.rate(base: 2, epoch: 0, step: 0, totalSteps: 10) == 2)
        #expect(abs(LearningRateSchedule.cosine.rate(base: 2, epoch: 0, step: 5, totalSteps: 10) - 1) < 1e-6)
    }

    @Test func heInitialisationHasTheRightSpread() throws {
        var rng = SeededGenerator(seed: 5)
        let conv = try Conv2d(name: "c", inputShape: [8, 9, 9], outChannels: 64, kernel: 3, rng: &rng)
        let w = conv.weight.value.map(Double.init)
        let variance = w.reduce(0) { $0 + $1 * $1 } / Double(w.count)
        #expect(abs(variance - 2.0 / 72) / (2.0 / 72) < 0.1)
        #expect(conv.bias.value.allSatisfy { $0 == 0 })
    }
}
