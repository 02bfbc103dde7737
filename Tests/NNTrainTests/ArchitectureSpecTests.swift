import Testing
@testable import NNTrain

@Suite struct ArchitectureSpecTests {
    @Test func parsesTheDocumentedExample() throws {
        let spec = "conv5x5-20,bn,relu,maxpool2,conv5x5-50,relu,bn,maxpool2,flatten,fc500,relu,dropout0.5,fc10"
        let layers = try ArchitectureSpec.parse(spec)
        #expect(layers.count == 13)
        #expect(layers[0] == .conv(kernel: 5, channels: 20))
        #expect(layers[11] == .dropout(rate: 0.5))
        #expect(ArchitectureSpec.text(layers) == spec)
    }

    @Test func parsesOptionsResidualsAndSlopes() throws {
        let layers = try ArchitectureSpec.parse("conv3x3-32/s2p1g4, lrelu, lrelu0.2, maxpool3/s2p1, avgpool2, gap, res(conv3x3-8p1,bn|conv1x1-8/s2)")
        #expect(layers[0] == .conv(kernel: 3, channels: 32, stride: 2, padding: 1, groups: 4))
        #expect(layers[1] == .leakyRelu(slope: 0.01) && layers[2] == .leakyRelu(slope: 0.2))
        #expect(layers[3] == .maxPool(kernel: 3, stride: 2, padding: 1))
        #expect(layers[4] == .avgPool(kernel: 2) && layers[5] == .globalAvgPool)
        #expect(layers[6] == .residual(body: [.conv(kernel: 3, channels: 8, padding: 1), .batchNorm], shortcut: [.conv(kernel: 1, channels: 8, stride: 2)]))
        #expect(try ArchitectureSpec.parse(ArchitectureSpec.text(layers)) == layers)
    }

    @Test(arguments: ["", "conv5-20", "conv3x5-8", "conv3x3", "fc", "dropout", "dropout1", "relu,,fc2", "res(relu", "maxpool2/q3", "bogus", "fc10,"])
    func rejectsMalformedSpecs(_ spec: String) {
        #expect(throws: TrainError.self) { try ArchitectureSpec.parse(spec) }
    }

    @Test func shapeErrorsNameTheLayer() {
        #expect {
            _ = try Network(spec: "conv3x3-4,fc10", inputShape: [1, 8, 8], seed: 1)
        } throws: { error in
            "\(error)".contains("flatten")
        }
        #expect(throws: TrainError.self) { try Network(spec: "conv9x9-4", inputShape: [1, 8, 8], seed: 1) }
        #expect(throws: TrainError.self) { try Network(spec: "res(conv3x3-4/s2p1)", inputShape: [4, 8, 8], seed: 1) }
        #expect(throws: TrainError.self) { try Network(spec: "conv3x3-6g4", inputShape: [4, 8, 8], seed: 1) }
    }

    @Test func placementSummaries() throws {
        let before = Placement.describe(try ArchitectureSpec.parse("conv3x3-4,bn,relu,flatten,fc8,bn,relu,dropout0.5,fc2"))
        #expect(before.batchNorm == "before relu ×2" && before.dropout == "dropout0.5 after relu")
        let after = Placement.describe(try ArchitectureSpec.parse("conv3x3-4,relu,bn,flatten,fc8,dropout0.2,relu,fc2"))
        #expect(after.batchNorm == "after relu" && after.dropout == "dropout0.2 before relu")
        #expect(Placement.describe(try ArchitectureSpec.parse("fc2")) == ("none", "none"))
    }

    @Test func sameSeedSameNetworkAndSameTraining() throws {
        func run(threads: Int) throws -> [Float] {
            let net = try Network(spec: "conv3x3-3,bn,relu,flatten,fc4,dropout0.5,fc3", inputShape: [1, 5, 5], seed: 9, threads: threads)
            let data = try EvalSemanticsTests.data(count: 12, seed: 4).subset(Array(0..<12))
            let small = try Dataset(source: "s", channels: 1, height: 5, width: 5,
                                    pixels: (0..<12).flatMap { i in data.pixels[(i * 36)..<(i * 36 + 25)] }, labels: data.labels, classNames: data.classNames)
            var options = TrainingOptions()
            (options.epochs, options.batchSize) = (2, 4)
            try Trainer(network: net, options: options, normalization: Normalization(fitting: small)).fit(train: small, validation: nil)
            return net.parameters.flatMap(\.value) + net.batchNorms.flatMap { $0.runningMean + $0.runningVariance }
        }
        #expect(try run(threads: 1) == run(threads: 1))
        #expect(try run(threads: 2) == run(threads: 2))
    }
}
