import NNFormat

/// Max pooling over square windows; backward routes each output's gradient to the input element
/// that was the maximum (the first one on ties).
public final class MaxPool2d: Layer {
    public let name: String
    public let inputShape: [Int]
    public var outputShape: [Int] { geometry.outputShape }
    let geometry: PoolGeometry
    private var argmax: [Int32] = []   // index within its input plane, per output element

    /// Creates a max pool; `stride` defaults to the window size.
    public init(name: String, inputShape: [Int], kernel: Int, stride: Int? = nil, padding: Int = 0) throws(TrainError) {
        self.name = name
        self.inputShape = inputShape
        geometry = try PoolGeometry(layer: name, inputShape: inputShape, kernel: kernel, stride: stride, padding: padding)
    }

    public func forward(_ x: Activations, mode: Mode, context: ComputeContext) -> Activations {
        let g = geometry, planes = x.batch * g.channels
        let inPlane = g.height * g.width, outPlane = g.outHeight * g.outWidth
        var y = [Float](repeating: 0, count: planes * outPlane)
        if argmax.count != y.count { argmax = [Int32](repeating: 0, count: y.count) }
        x.values.withPointer { xp in
            y.withMutablePointer { yp in
                argmax.withUnsafeMutableBufferPointer { ab in
                    guard let base = ab.baseAddress else { return }
                    let (xb, yb, am) = (UncheckedBox(xp), UncheckedBox(yp), UncheckedBox(base))
                    context.parallelFor(planes) { plane in       // x is (N·C, H, W), y is (N·C, OH, OW)
                        let src = xb.value + plane * inPlane
                        let dst = yb.value + plane * outPlane, arg = am.value + plane * outPlane
                        if g.padding == 0, g.kernel == 2, g.stride == 2 {
                            Self.pool2x2(src, dst, arg, g)
                            return
                        }
                        for oh in 0..<g.outHeight {
                            for ow in 0..<g.outWidth {
                                let (rows, cols) = g.window(oh, ow)
                                var best = -Float.infinity, at = rows.lowerBound * g.width + cols.lowerBound
                                for r in rows {
                                    for c in cols where src[r * g.width + c] > best {
                                        best = src[r * g.width + c]
                                        at = r * g.width + c
                                    }
                                }
                                dst[oh * g.outWidth + ow] = best
                                arg[oh * g.outWidth + ow] = Int32(at)
                            }
                        }
                    }
                }
            }
        }
        return Activations(shape: [x.batch] + outputShape, values: y)
    }

    /// The common 2×2, stride 2, unpadded case without window bookkeeping (same tie rule).
    @inline(__always)
    private static func pool2x2(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ arg: UnsafeMutablePointer<Int32>, _ g: PoolGeometry) {
        let w = g.width
        for oh in 0..<g.outHeight {                  // src is (H, W), dst is (OH, OW)
            let r0 = 2 * oh * w, r1 = r0 + w
            for ow in 0..<g.outWidth {
                let c = 2 * ow
                var best = src[r0 + c], at = r0 + c
                if src[r0 + c + 1] > best { best = src[r0 + c + 1]; at = r0 + c + 1 }
                if src[r1 + c] > best { best = src[r1 + c]; at = r1 + c }
                if src[r1 + c + 1] > best { best = src[r1 + c + 1]; at = r1 + c + 1 }
                dst[oh * g.outWidth + ow] = best
                arg[oh * g.outWidth + ow] = Int32(at)
            }
        }
    }

    public func backward(_ dy: Activations, inputGradient: Bool, context: ComputeContext) -> Activations {
        guard inputGradient else { return .none }
        let g = geometry, planes = dy.batch * g.channels
        let inPlane = g.height * g.width, outPlane = g.outHeight * g.outWidth
        var dx = [Float](repeating: 0, count: planes * inPlane)
        dy.values.withPointer { gp in
            argmax.withUnsafeBufferPointer { am in
                guard let base = am.baseAddress else { return }
                dx.withMutablePointer { dp in
                    let (g, a, d) = (UncheckedBox(gp), UncheckedBox(base), UncheckedBox(dp))
                    context.parallelFor(planes) { plane in      // dy is (N·C, OH·OW); planes are disjoint
                        for o in 0..<outPlane {
                            let i = plane * outPlane + o
                            d.value[plane * inPlane + Int(a.value[i])] += g.value[i]
                        }
                    }
                }
            }
        }
        return Activations(shape: [dy.batch] + inputShape, values: dx)
    }

    public func export(to builder: inout NetworkBuilder) throws(FormatError) {
        try builder.maxPool2d(kernel: geometry.kernel, stride: geometry.stride, padding: geometry.padding)
    }
}
