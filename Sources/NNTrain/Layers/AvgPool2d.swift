import NNFormat

/// Average pooling over square windows; the divisor counts only window taps inside the image
/// (ONNX `count_include_pad = 0`), which is how it is exported.
public final class AvgPool2d: Layer {
    public let name: String
    public let inputShape: [Int]
    public var outputShape: [Int] { geometry.outputShape }
    let geometry: PoolGeometry

    /// Creates an average pool; `stride` defaults to the window size.
    public init(name: String, inputShape: [Int], kernel: Int, stride: Int? = nil, padding: Int = 0) throws(TrainError) {
        self.name = name
        self.inputShape = inputShape
        geometry = try PoolGeometry(layer: name, inputShape: inputShape, kernel: kernel, stride: stride, padding: padding)
    }

    public func forward(_ x: Activations, mode: Mode, context: ComputeContext) -> Activations {
        let g = geometry, planes = x.batch * g.channels
        let inPlane = g.height * g.width, outPlane = g.outHeight * g.outWidth
        var y = [Float](repeating: 0, count: planes * outPlane)
        x.values.withPointer { xp in
            y.withMutablePointer { yp in
                for plane in 0..<planes {                       // x is (N·C, H, W), y is (N·C, OH, OW)
                    let src = xp + plane * inPlane
                    for oh in 0..<g.outHeight {
                        for ow in 0..<g.outWidth {
                            let (rows, cols) = g.window(oh, ow)
                            var s: Float = 0
                            for r in rows { for c in cols { s += src[r * g.width + c] } }
                            yp[plane * outPlane + oh * g.outWidth + ow] = s / Float(rows.count * cols.count)
                        }
                    }
                }
            }
        }
        return Activations(shape: [x.batch] + outputShape, values: y)
    }

    public func backward(_ dy: Activations, inputGradient: Bool, context: ComputeContext) -> Activations {
        guard inputGradient else { return .none }
        let g = geometry, planes = dy.batch * g.channels
        let inPlane = g.height * g.width, outPlane = g.outHeight * g.outWidth
        var dx = [Float](repeating: 0, count: planes * inPlane)
        dy.values.withPointer { gp in
            dx.withMutablePointer { dp in
                for plane in 0..<planes {                       // dy is (N·C, OH, OW)
                    let dst = dp + plane * inPlane
                    for oh in 0..<g.outHeight {
                        for ow in 0..<g.outWidth {
                            let (rows, cols) = g.window(oh, ow)
                            let share = gp[plane * outPlane + oh * g.outWidth + ow] / Float(rows.count * cols.count)
                            for r in rows { for c in cols { dst[r * g.width + c] += share } }
                        }
                    }
                }
            }
        }
        return Activations(shape: [dy.batch] + inputShape, values: dx)
    }

    public func export(to builder: inout NetworkBuilder) throws(FormatError) {
        try builder.avgPool2d(kernel: geometry.kernel, stride: geometry.stride, padding: geometry.padding, countIncludePad: false)
    }
}
