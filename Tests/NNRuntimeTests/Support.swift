import NNFormat
import TestSupport
@testable import NNRuntime

extension NetworkBuilder {
    /// A batch norm with realistic random statistics.
    mutating func randomBatchNorm(_ r: inout SplitMix) throws {
        let c = current.shape[0]
        try batchNorm(scale: r.floats(c, 0.5...1.5), bias: r.floats(c, -0.2...0.2), runningMean: r.floats(c, -0.3...0.3), runningVariance: r.floats(c, 0.5...1.5))
    }

    mutating func randomConv(_ r: inout SplitMix, out: Int, kernel: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1, bias: Bool = true) throws {
        let cin = current.shape[0]
        let fan = Float(cin / groups * kernel * kernel)
        let w = r.floats(out * cin / groups * kernel * kernel, -1...1).map { $0 * (2 / fan).squareRoot() }
        try conv2d(outChannels: out, kernel: kernel, stride: stride, padding: padding, groups: groups, weight: w, bias: bias ? r.floats(out, -0.1...0.1) : nil)
    }
}

enum Nets {
    /// A random chain of conv / BN / activation / dropout / residual / pooling layers, ending in a classifier.
    static func randomChain(seed: UInt64) throws -> Model {
        var r = SplitMix(seed)
        let c0 = r.pick([1, 3, 4])
        var net = NetworkBuilder(name: "random\(seed)", channels: c0, height: 13, width: 11)
        try net.randomConv(&r, out: r.pick([4, 8, 13]), kernel: 3, padding: 1, bias: r.pick([true, false]))
        for _ in 0..<r.pick([3, 4, 5, 6]) {
            switch r.pick(Array(0..<8)) {
            case 0: try net.randomBatchNorm(&r)
            case 1: net.relu()
            case 2: net.leakyRelu(alpha: 0.1)
            case 3: r.pick([true, false]) ? net.sigmoid() : net.tanh()
            case 4: try net.dropout(rate: r.pick([0.2, 0.5]))
            case 5:
                let skip = net.current
                try net.randomConv(&r, out: skip.shape[0], kernel: 3, padding: 1)
                if r.pick([true, false]) { try net.randomBatchNorm(&r) }
                try net.add(skip)
                if r.pick([true, false]) { net.relu() }
            case 6:
                let c = net.current.shape[0]
                try net.randomConv(&r, out: c, kernel: 3, padding: 1, groups: c)  // depthwise
            default:
                if net.current.shape[1] >= 4 { try net.maxPool2d(kernel: 2) } else { net.relu() }
            }
        }
        try net.randomConv(&r, out: r.pick([6, 16]), kernel: r.pick([1, 3]), stride: r.pick([1, 2]), padding: 1)
        if r.pick([true, false]) { try net.randomBatchNorm(&r) }
        net.relu()
        try net.globalAveragePool()
        net.flatten()
        let f = net.current.shape[0]
        try net.linear(outFeatures: 7, weight: r.floats(7 * f), bias: r.floats(7))
        if r.pick([true, false]) { try net.randomBatchNorm(&r) }
        return try net.build()
    }

    /// conv → [bn] → act → [bn] → pool → flatten → fc, with BN before or after the activation.
    static func placement(bnAfterReLU: Bool, dropoutBeforeActivation: Bool = false, seed: UInt64 = 7) throws -> Model {
        var r = SplitMix(seed)
        var net = NetworkBuilder(name: "placement", channels: 1, height: 12, width: 12)
        try net.randomConv(&r, out: 8, kernel: 3, padding: 1)
        if bnAfterReLU { net.relu(); try net.randomBatchNorm(&r) } else { try net.randomBatchNorm(&r); net.relu() }
        try net.maxPool2d(kernel: 2)
        net.flatten()
        try net.linear(outFeatures: 16, weight: r.floats(16 * 8 * 36).map { $0 * 0.05 }, bias: r.floats(16))
        if dropoutBeforeActivation { try net.dropout(rate: 0.5); net.relu() } else { net.relu(); try net.dropout(rate: 0.5) }
        try net.linear(outFeatures: 10, weight: r.floats(160), bias: r.floats(10))
        return try net.build()
    }
}

/// Random input for a session's first input at `batch`.
func randomInput(_ session: InferenceSession, batch: Int, seed: UInt64 = 99) -> Tensor {
    var r = SplitMix(seed)
    let shape = session.inputs[0].shape.enumerated().map { i, d -> Int in
        if case .value(let v) = d { return v }
        return i == 0 ? batch : 1
    }
    return Tensor(shape: shape, floats: r.floats(shape.reduce(1, *)))
}

/// Max |a-b| / (atol + rtol·|b|) over the elements: ≤ 1 means within tolerance.
func toleranceRatio(_ a: [Float], _ b: [Float], rtol: Float = 1e-4, atol: Float = 1e-5) -> Float {
    precondition(a.count == b.count)
    var worst: Float = 0
    for (x, y) in zip(a, b) { worst = max(worst, abs(x - y) / (atol + rtol * abs(y))) }
    return worst
}
