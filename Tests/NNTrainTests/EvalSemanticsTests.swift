import NNFormat
import NNRuntime
import Testing
@testable import NNTrain

/// Proof that the runtime undoes training semantics: for every exported model, InferenceSession
/// outputs equal the trainer's eval-mode pass (≤ 1e-4, same top-1) and differ from its train-mode pass.
@Suite struct EvalSemanticsTests {
    static let variants = [
        ("bn before relu", "conv3x3-4p1,bn,relu,maxpool2,flatten,fc6,bn,relu,fc3"),
        ("bn after relu", "conv3x3-4p1,relu,bn,maxpool2,flatten,fc6,relu,bn,fc3"),
        ("dropout before activation", "conv3x3-4p1,relu,maxpool2,flatten,fc6,dropout0.5,relu,fc3"),
        ("dropout after activation", "conv3x3-4p1,relu,maxpool2,flatten,fc6,relu,dropout0.5,fc3"),
        ("residual, bn and dropout", "conv3x3-4p1,bn,relu,res(conv3x3-4p1,bn,relu,conv3x3-4p1,bn),relu,gap,flatten,dropout0.3,fc3"),
    ]

    /// Three classes of 6×6 blobs whose brightness sits in a class-specific quadrant.
    static func data(count: Int, seed: UInt64) throws -> Dataset {
        var rng = SeededGenerator(seed: seed)
        var pixels: [UInt8] = [], labels: [Int] = []
        for i in 0..<count {
            let label = i % 3
            for y in 0..<6 {
                for x in 0..<6 {
                    let lit = (label == 0 && x < 3) || (label == 1 && y < 3) || (label == 2 && x >= 3 && y >= 3)
                    pixels.append(UInt8(min(255, (lit ? 150 : 30) + Int(rng.next() % 90))))
                }
            }
            labels.append(label)
        }
        return try Dataset(source: "synthetic", channels: 1, height: 6, width: 6, pixels: pixels, labels: labels, classNames: ["a", "b", "c"])
    }

    @Test(arguments: variants)
    func runtimeMatchesEvalModeAndNotTrainMode(_ variant: (name: String, spec: String)) throws {
        let train = try Self.data(count: 24, seed: 1), held = try Self.data(count: 9, seed: 2)
        let net = try Network(spec: variant.spec, inputShape: [1, 6, 6], seed: 3)
        var options = TrainingOptions()
        (options.epochs, options.batchSize, options.learningRate) = (2, 8, 0.05)
        let normalization = Normalization(fitting: train)
        let trainer = try Trainer(network: net, options: options, normalization: normalization)
        try trainer.fit(train: train, validation: nil)

        let model = try net.exportModel(metadata: ModelMetadata(labels: train.classNames))
        let bytes = try ModelWriter.serialize(model)
        let session = try InferenceSession(bytes: bytes, options: SessionOptions(threads: 1))
        let x = normalization.batch(held, Array(0..<held.count)[...])
        let runtime = try #require(try session.run([Tensor(shape: x.shape, floats: x.values)]).first?.floats)
        let eval = net.forward(x, mode: .eval).values
        #expect(runtime.count == eval.count)
        let evalDiff = zip(runtime, eval).map { abs($0 - $1) }.max() ?? .infinity
        #expect(evalDiff <= 1e-4, "\(variant.name): runtime vs eval-mode max |Δ| = \(evalDiff)")
        #expect(Self.top1(runtime, classes: 3) == Self.top1(eval, classes: 3), "\(variant.name): top-1 differs")
        // The same weights in train mode (batch statistics, dropout masks) give other logits, so a
        // runtime that forgot eval semantics would fail the check above.
        let trainMode = net.forward(x, mode: .train).values
        let trainDiff = zip(runtime, trainMode).map { abs($0 - $1) }.max() ?? 0
        #expect(trainDiff > 1e-3, "\(variant.name): train-mode output is indistinguishable (max |Δ| = \(trainDiff))")
    }

    static func top1(_ logits: [Float], classes: Int) -> [Int] {
        stride(from: 0, to: logits.count, by: classes).map { start in
            (0..<classes).max { logits[start + $0] < logits[start + $1] } ?? 0
        }
    }
}
