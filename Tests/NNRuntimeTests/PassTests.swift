import NNFormat
import TestSupport
import Testing
@testable import NNRuntime

@Suite struct PassTests {
    func outputs(_ model: Model, optimize: Bool, passes: Set<String>? = nil, batch: Int = 2) throws -> (values: [Float], report: SessionReport) {
        var options = SessionOptions(threads: 1, optimize: optimize)
        options.enabledPasses = passes
        let session = try InferenceSession(model: model, options: options)
        let out = try session.run([randomInput(session, batch: batch)])
        return (out[0].floats ?? [], session.report)
    }

    @Test(arguments: 0..<24)
    func randomGraphsGiveTheSameOutputsOptimized(seed: Int) throws {
        let model = try Nets.randomChain(seed: UInt64(seed))
        let plain = try outputs(model, optimize: false)
        let fast = try outputs(model, optimize: true)
        #expect(toleranceRatio(fast.values, plain.values) <= 1, "seed \(seed): \(fast.report.rewrites)")
        #expect(!fast.report.rewrites.isEmpty)
    }

    /// Each pass alone (with the passes it builds on) keeps outputs and actually fires.
    @Test(arguments: [
        ("RemoveDropout", [String]()),
        ("LowerBatchNormToChannelAffine", []),
        ("FoldChannelAffineIntoProducer", ["LowerBatchNormToChannelAffine"]),
        ("FuseActivationIntoProducer", []),
        ("FuseChannelAffineIntoEpilogue", ["LowerBatchNormToChannelAffine", "FuseActivationIntoProducer"]),
        ("RemoveDeadNodes", ["RemoveDropout"]),
    ])
    func eachPassKeepsOutputs(pass: String, prerequisites: [String]) throws {
        for bnAfter in [false, true] {
            let model = try Nets.placement(bnAfterReLU: bnAfter)
            let plain = try outputs(model, optimize: false)
            let one = try outputs(model, optimize: true, passes: Set(prerequisites + [pass]))
            #expect(toleranceRatio(one.values, plain.values) <= 1)
            let fired = one.report.rewrites.contains { $0.pass == pass }
            // Folding needs BN before the activation; the epilogue affine needs it after.
            if pass == "FoldChannelAffineIntoProducer" && bnAfter || pass == "FuseChannelAffineIntoEpilogue" && !bnAfter || pass == "RemoveDeadNodes" {
                continue
            }
            #expect(fired, "\(pass) did not fire (bnAfterReLU: \(bnAfter)): \(one.report.rewrites)")
        }
    }

    @Test func residualAddFusesIntoConv() throws {
        var r = SplitMix(3)
        var net = NetworkBuilder(name: "res", channels: 4, height: 6, width: 6)
        try net.randomConv(&r, out: 4, kernel: 3, padding: 1)
        let skip = net.current
        try net.randomConv(&r, out: 4, kernel: 3, padding: 1)
        try net.randomBatchNorm(&r)
        try net.add(skip)
        net.relu()
        let model = try net.build()
        let plain = try outputs(model, optimize: false)
        let fused = try outputs(model, optimize: true)
        #expect(toleranceRatio(fused.values, plain.values) <= 1)
        #expect(fused.report.rewrites.contains { $0.pass == "FuseResidualAddIntoConv" })
        #expect(fused.report.steps.count == 2, "\(fused.report.steps)")
    }

    /// MobileNetV2-style inverted-residual blocks (BN before and after the activations, a stride-2
    /// block without residual, a block without expand) become band-fused chains with the same outputs.
    @Test(arguments: [false, true])
    func invertedResidualBlocksRunAsChains(bnAfterReLU: Bool) throws {
        var r = SplitMix(5)
        var net = NetworkBuilder(name: "ir", channels: 64, height: 72, width: 72)
        func bnRelu(_ net: inout NetworkBuilder) throws {
            if bnAfterReLU { net.relu(); try net.randomBatchNorm(&r) } else { try net.randomBatchNorm(&r); net.relu() }
        }
        try net.randomConv(&r, out: 64, kernel: 3, padding: 1, groups: 64, bias: false)   // no expand
        try bnRelu(&net)
        try net.randomConv(&r, out: 16, kernel: 1, bias: false)
        try net.randomBatchNorm(&r)
        let skip = net.current
        try net.randomConv(&r, out: 64, kernel: 1, bias: false)                          // expand, residual
        try bnRelu(&net)
        try net.randomConv(&r, out: 64, kernel: 3, padding: 1, groups: 64, bias: false)
        try bnRelu(&net)
        try net.randomConv(&r, out: 16, kernel: 1, bias: false)
        try net.randomBatchNorm(&r)
        try net.add(skip)
        try net.randomConv(&r, out: 96, kernel: 1)                                        // stride 2
        net.relu()
        try net.randomConv(&r, out: 96, kernel: 3, stride: 2, padding: 1, groups: 96)
        net.relu()
        try net.randomConv(&r, out: 24, kernel: 1)
        try net.globalAveragePool()
        let model = try net.build()
        let all = Set(Planner.passes.map(\.name))
        let unfused = try outputs(model, optimize: true, passes: all.subtracting(["FuseConvChain"]))
        let fused = try outputs(model, optimize: true)
        // Bit-identical (CKernelsTests ConvChain shows it); compared with a tolerance here because the
        // kernel tests switch the process to the reference kernels while other suites run.
        #expect(toleranceRatio(fused.values, unfused.values) <= 1, "\(fused.report.rewrites)")
        let chains = fused.report.rewrites.filter { $0.pass == "FuseConvChain" }
        #expect(chains.count == 3, "\(fused.report.rewrites)")
        #expect(fused.report.steps.count == 4, "\(fused.report.steps)")
        let plain = try outputs(model, optimize: false)
        #expect(toleranceRatio(fused.values, plain.values) <= 1)
    }

    /// A dense stem (3x3 stride 2, BN, ReLU6) before the first depthwise conv joins that chain, as in
    /// MobileNetV2; a stem Winograd would compute (3x3 stride 1, 16+ channels) does not.
    @Test func stemJoinsTheFirstChain() throws {
        var r = SplitMix(9)
        var net = NetworkBuilder(name: "stem", channels: 3, height: 190, width: 189)
        try net.randomConv(&r, out: 32, kernel: 3, stride: 2, padding: 1, bias: false)       // 95x95: 1.15 MB
        try net.randomBatchNorm(&r)
        net.relu()
        try net.randomConv(&r, out: 32, kernel: 3, padding: 1, groups: 32, bias: false)
        try net.randomBatchNorm(&r)
        net.relu()
        try net.randomConv(&r, out: 16, kernel: 1, bias: false)
        try net.randomConv(&r, out: 32, kernel: 3, padding: 1)                             // Winograd: stays apart
        try net.randomConv(&r, out: 32, kernel: 3, padding: 1, groups: 32)
        try net.randomConv(&r, out: 8, kernel: 1)
        let model = try net.build()
        let all = Set(Planner.passes.map(\.name))
        let unfused = try outputs(model, optimize: true, passes: all.subtracting(["FuseConvChain"]))
        let fused = try outputs(model, optimize: true)
        #expect(toleranceRatio(fused.values, unfused.values) <= 1, "\(fused.report.rewrites)")
        let chains = fused.report.rewrites.filter { $0.pass == "FuseConvChain" }.map(\.detail)
        #expect(chains.count == 2, "\(chains)")
        #expect(chains.first?.components(separatedBy: " + ").count == 3, "\(chains)")   // stem + depthwise + project
        #expect(fused.report.steps.count == 3, "\(fused.report.steps)")
        let plain = try outputs(model, optimize: false)
        #expect(toleranceRatio(fused.values, plain.values) <= 1)
    }

    @Test func identityAndDeadNodesAreRemoved() throws {
        var graph = Graph(name: "g")
        graph.inputs = [ValueInfo(name: "x", elementType: .float, shape: [.symbol("N"), .value(3)])]
        graph.nodes = [
            Node(name: "id", opType: "Identity", inputs: ["x"], outputs: ["a"]),
            Node(name: "relu", opType: "Relu", inputs: ["a"], outputs: ["y"]),
            Node(name: "unused", opType: "Sigmoid", inputs: ["x"], outputs: ["dead"]),
        ]
        graph.outputs = [ValueInfo(name: "y", elementType: .float, shape: [.symbol("N"), .value(3)])]
        let model = Model(graph: graph)
        let fast = try outputs(model, optimize: true)
        let plain = try outputs(model, optimize: false)
        #expect(fast.values == plain.values)
        #expect(fast.report.rewrites.contains { $0.pass == "RemoveIdentity" })
        #expect(fast.report.rewrites.contains { $0.pass == "RemoveDeadNodes" && $0.detail.contains("unused") })
        #expect(fast.report.steps == ["relu (Relu)"])
    }

    @Test(arguments: [false, true])
    func bothBatchNormPlacementsCompileToTheSameStepCount(dropoutBefore: Bool) throws {
        let before = try InferenceSession(model: try Nets.placement(bnAfterReLU: false, dropoutBeforeActivation: dropoutBefore), options: SessionOptions(threads: 1))
        let after = try InferenceSession(model: try Nets.placement(bnAfterReLU: true, dropoutBeforeActivation: dropoutBefore), options: SessionOptions(threads: 1))
        // conv (+BN +ReLU fused) → maxpool → fc (+ReLU) → fc: no separate BN, ReLU or Dropout step.
        #expect(before.report.steps.filter { !$0.contains("view") }.count == 4, "\(before.report.steps)")
        #expect(after.report.steps.filter { !$0.contains("view") }.count == 4, "\(after.report.steps)")
        #expect(after.report.steps[0].contains("post-activation affine"))
        #expect(!after.report.steps.joined().contains("Dropout"))
    }
}
