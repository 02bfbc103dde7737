import NNFormat
import TestSupport
import Testing
@testable import NNRuntime

/// Conv through the session (packed 2-D kernel, 1-D as 2-D, 3-D reference) against a naive loop,
/// on awkward shapes: odd channels, groups, strides, dilations, asymmetric and automatic padding.
@Suite struct ConvReferenceTests {
    struct Case: Sendable, CustomStringConvertible {
        var spatial: [Int], cin: Int, cout: Int, kernel: [Int], stride: [Int], dilation: [Int], pads: [Int], groups: Int, autoPad: String? = nil
        var description: String { "in \(spatial) c\(cin)->\(cout) k\(kernel) s\(stride) d\(dilation) p\(pads) g\(groups) \(autoPad ?? "")" }
    }

    static let cases: [Case] = [
        Case(spatial: [9, 7], cin: 3, cout: 5, kernel: [3, 3], stride: [1, 1], dilation: [1, 1], pads: [1, 1, 1, 1], groups: 1),
        Case(spatial: [13, 11], cin: 13, cout: 17, kernel: [3, 2], stride: [2, 1], dilation: [1, 2], pads: [0, 1, 2, 0], groups: 1),
        Case(spatial: [8, 8], cin: 6, cout: 4, kernel: [1, 1], stride: [1, 1], dilation: [1, 1], pads: [0, 0, 0, 0], groups: 2),
        Case(spatial: [10, 9], cin: 8, cout: 8, kernel: [3, 3], stride: [2, 2], dilation: [1, 1], pads: [1, 1, 1, 1], groups: 8),
        Case(spatial: [7, 6], cin: 4, cout: 4, kernel: [3, 3], stride: [1, 1], dilation: [1, 1], pads: [0, 0, 0, 0], groups: 4, autoPad: "SAME_UPPER"),
        Case(spatial: [7, 6], cin: 3, cout: 2, kernel: [4, 3], stride: [2, 2], dilation: [1, 1], pads: [0, 0, 0, 0], groups: 1, autoPad: "SAME_LOWER"),
        Case(spatial: [17], cin: 3, cout: 5, kernel: [5], stride: [2], dilation: [1], pads: [2, 1], groups: 1),
        Case(spatial: [5, 6, 4], cin: 2, cout: 3, kernel: [3, 2, 3], stride: [1, 2, 1], dilation: [1, 1, 1], pads: [1, 0, 1, 1, 1, 0], groups: 1),
    ]

    @Test(arguments: cases)
    func convMatchesNaiveLoop(c: Case) throws {
        var r = SplitMix(UInt64(c.spatial.reduce(c.cin, *)))
        let n = 2
        let wShape = [c.cout, c.cin / c.groups] + c.kernel
        let w = r.floats(wShape.reduce(1, *)), b = r.floats(c.cout)
        var attributes: [String: Attribute] = [
            "kernel_shape": .ints(c.kernel.map(Int64.init)), "strides": .ints(c.stride.map(Int64.init)),
            "dilations": .ints(c.dilation.map(Int64.init)), "group": .int(Int64(c.groups)),
        ]
        if let a = c.autoPad { attributes["auto_pad"] = .string(a) } else { attributes["pads"] = .ints(c.pads.map(Int64.init)) }
        let graph = Graph(
            name: "conv", nodes: [Node(name: "conv", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["y"], attributes: attributes)],
            initializers: [TensorData(name: "w", dims: wShape, floats: w), TensorData(name: "b", dims: [c.cout], floats: b)],
            inputs: [ValueInfo(name: "x", elementType: .float, shape: ([n, c.cin] + c.spatial).map { .value($0) })],
            outputs: [ValueInfo(name: "y", type: nil)])
        for threads in [1, 2] {
            let session = try InferenceSession(model: Model(graph: graph), options: SessionOptions(threads: threads))
            let x = r.floats(([n, c.cin] + c.spatial).reduce(1, *))
            let y = try session.run([Tensor(shape: [n, c.cin] + c.spatial, floats: x)])[0]
            let expected = naiveConv(x: x, n: n, c: c, w: w, b: b, outSpatial: Array(y.shape[2...]))
            #expect(toleranceRatio(y.floats ?? [], expected) <= 1, "\(c)")
        }
    }

    /// out[n][m][o...] = b[m] + Σ x[n][g·cpg + ci][o·s − pad + k·d] · w[m][ci][k], pads resolved like ONNX.
    func naiveConv(x: [Float], n: Int, c: Case, w: [Float], b: [Float], outSpatial: [Int]) -> [Float] {
        let dims = c.spatial.count
        var pads = c.pads
        if let mode = c.autoPad {
            for i in 0..<dims {
                let total = max(0, (outSpatial[i] - 1) * c.stride[i] + (c.kernel[i] - 1) * c.dilation[i] + 1 - c.spatial[i])
                pads[i] = mode == "SAME_UPPER" ? total / 2 : total - total / 2
            }
        }
        let cpg = c.cin / c.groups, mpg = c.cout / c.groups
        let outCount = outSpatial.reduce(1, *), inCount = c.spatial.reduce(1, *), kCount = c.kernel.reduce(1, *)
        var out = [Float](repeating: 0, count: n * c.cout * outCount)
        func unravel(_ i: Int, _ shape: [Int]) -> [Int] {
            var rest = i
            return shape.reversed().map { d -> Int in defer { rest /= d }; return rest % d }.reversed()
        }
        for ni in 0..<n {
            for m in 0..<c.cout {
                let g = m / mpg
                for o in 0..<outCount {
                    let op = unravel(o, outSpatial)
                    var acc = Double(b[m])
                    for ci in 0..<cpg {
                        for k in 0..<kCount {
                            let kp = unravel(k, c.kernel)
                            var idx = 0
                            var inside = true
                            for d in 0..<dims {
                                let p = op[d] * c.stride[d] - pads[d] + kp[d] * c.dilation[d]
                                if p < 0 || p >= c.spatial[d] { inside = false; break }
                                idx = idx * c.spatial[d] + p
                            }
                            guard inside else { continue }
                            let xv = x[(ni * c.cin + g * cpg + ci) * inCount + idx]
                            acc += Double(xv) * Double(w[(m * cpg + ci) * kCount + k])
                        }
                    }
                    out[(ni * c.cout + m) * outCount + o] = Float(acc)
                }
            }
        }
        return out
    }
}
