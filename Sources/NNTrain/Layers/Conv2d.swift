import CKernels
import NNFormat

/// A 2-D convolution with square kernels, stride, zero padding and groups, as GEMMs over an
/// explicit column matrix (im2col) through the runtime's packed `nnk_sgemm`.
///
/// For a batch of N images with P = OH·OW output positions, the column matrix holds all images
/// side by side, `(C_in·K·K, N·P)`, so each group is one GEMM forward, one for the weight gradient
/// and one for the column gradient, which col2im folds back into the input gradient.
public final class Conv2d: Layer {
    public let name: String
    public let inputShape: [Int]
    public let outputShape: [Int]
    /// The geometry.
    public let outChannels: Int, kernel: Int, stride: Int, padding: Int, groups: Int
    /// `(outChannels, inChannels/groups, kernel, kernel)`, He-initialised.
    public let weight: Parameter
    /// `(outChannels)`, zero-initialised.
    public let bias: Parameter
    public var parameters: [Parameter] { [weight, bias] }

    private var geometry: nnk_conv2d_params
    private let cols = Scratch(), transposed = Scratch(), weightGradient = Scratch()
    private var batch = 0

    /// Creates a convolution for `(C, H, W)` inputs; throws if the geometry does not fit.
    public init(name: String, inputShape: [Int], outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                groups: Int = 1, rng: inout SeededGenerator) throws(TrainError) {
        guard inputShape.count == 3 else { throw .invalidArgument("\(name): needs a (C, H, W) input, got \(inputShape)") }
        let (c, h, w) = (inputShape[0], inputShape[1], inputShape[2])
        guard kernel >= 1, stride >= 1, padding >= 0, groups >= 1, outChannels >= 1 else {
            throw .invalidArgument("\(name): kernel, stride, groups and channels must be positive, padding non-negative")
        }
        guard c % groups == 0, outChannels % groups == 0 else {
            throw .invalidArgument("\(name): groups \(groups) must divide the \(c) input and \(outChannels) output channels")
        }
        let oh = (h + 2 * padding - kernel) / stride + 1, ow = (w + 2 * padding - kernel) / stride + 1
        guard h + 2 * padding >= kernel, w + 2 * padding >= kernel, oh > 0, ow > 0 else {
            throw .invalidArgument("\(name): a \(kernel)×\(kernel) kernel does not fit the \(h)×\(w) input (padding \(padding))")
        }
        self.name = name
        self.inputShape = inputShape
        self.outputShape = [outChannels, oh, ow]
        (self.outChannels, self.kernel, self.stride, self.padding, self.groups) = (outChannels, kernel, stride, padding, groups)
        let fanIn = c / groups * kernel * kernel
        weight = Parameter(name: "\(name).weight", shape: [outChannels, c / groups, kernel, kernel],
                           value: Layout.heNormal(count: outChannels * fanIn, fanIn: fanIn, rng: &rng))
        bias = Parameter(name: "\(name).bias", shape: [outChannels], value: [Float](repeating: 0, count: outChannels))
        geometry = nnk_conv2d_params(
            N: 1, C_in: Int64(c), H: Int64(h), W: Int64(w), C_out: Int64(outChannels), KH: Int64(kernel), KW: Int64(kernel),
            stride_h: Int64(stride), stride_w: Int64(stride), dil_h: 1, dil_w: 1,
            pad_top: Int64(padding), pad_left: Int64(padding), pad_bottom: Int64(padding), pad_right: Int64(padding),
            groups: Int64(groups), OH: Int64(oh), OW: Int64(ow))
    }

    private var positions: Int { outputShape[1] * outputShape[2] }
    private var rowsPerGroup: Int { inputShape[0] / groups * kernel * kernel }

    public func forward(_ x: Activations, mode: Mode, context: ComputeContext) -> Activations {
        let n = x.batch, p = positions, np = n * p, cout = outChannels
        let kg = rowsPerGroup, mg = cout / groups, imageSize = x.sampleSize
        batch = n
        let colsPointer = UncheckedBox(cols.floats(kg * groups * np))
        let yt = transposed.floats(cout * np)
        var params = geometry
        x.values.withPointer { xb in
            let xp = UncheckedBox(xb)
            // cols is (C_in·K·K, N, P): image i fills columns [i·P, (i+1)·P).
            context.parallelFor(n) { i in
                nnk_im2col(&params, xp.value + i * imageSize, colsPointer.value + i * p, Int64(np))
            }
        }
        weight.value.withPointer { wb in
            bias.value.withPointer { bb in
                for g in 0..<groups {         // yt is (C_out, N, P); group g owns rows [g·mg, (g+1)·mg)
                    context.gemm(m: mg, n: np, k: kg, a: wb + g * mg * kg, aRow: kg, aCol: 1,
                                 b: colsPointer.value + g * kg * np, bRow: np, bCol: 1, c: yt + g * mg * np, ldc: np,
                                 bias: bb + g * mg, biasPerRow: true)
                }
            }
        }
        var y = [Float](repeating: 0, count: n * cout * p)
        y.withMutablePointer { Layout.swapOuter(yt, $0, a: cout, b: n, inner: p) }
        return Activations(shape: [n] + outputShape, values: y)
    }

    public func backward(_ dy: Activations, inputGradient: Bool, context: ComputeContext) -> Activations {
        let n = batch, p = positions, np = n * p, cout = outChannels
        let kg = rowsPerGroup, mg = cout / groups
        let dyt = transposed.floats(cout * np)      // dyt is (C_out, N, P)
        dy.values.withPointer { Layout.swapOuter($0, dyt, a: n, b: cout, inner: p) }
        for c in 0..<cout {                         // bias gradient: the sum of each row of dyt
            var s: Double = 0
            let row = dyt + c * np
            for j in 0..<np { s += Double(row[j]) }
            bias.gradient[c] += Float(s)
        }
        let colsPointer = cols.pointer
        let dwt = weightGradient.floats(cout * kg)  // dwt is (kg, C_out): dWᵀ, transposed below
        for g in 0..<groups {                       // dW_gᵀ (kg × mg) = cols_g (kg × NP) · dY_gᵀ (NP × mg)
            context.gemmSplitK(m: kg, n: mg, k: np, a: colsPointer + g * kg * np, aRow: np, aCol: 1,
                               b: dyt + g * mg * np, bRow: 1, bCol: np, c: dwt + g * mg, ldc: cout)
        }
        weight.gradient.withMutablePointer { gb in
            for c in 0..<cout {                     // gb is (C_out, kg); group of c is c / mg
                for r in 0..<kg { gb[c * kg + r] += dwt[r * cout + c] }
            }
        }
        guard inputGradient else { return .none }
        // The column gradient reuses the column matrix's storage: cols is not needed any more.
        let dcols = colsPointer
        weight.value.withPointer { wb in
            for g in 0..<groups {                   // dcols_g (kg × NP) = W_gᵀ (kg × mg) · dY_g (mg × NP)
                context.gemm(m: kg, n: np, k: mg, a: wb + g * mg * kg, aRow: 1, aCol: kg,
                             b: dyt + g * mg * np, bRow: np, bCol: 1, c: dcols + g * kg * np, ldc: np)
            }
        }
        let imageSize = inputShape.reduce(1, *)
        var dx = [Float](repeating: 0, count: n * imageSize)
        var params = geometry
        let source = UncheckedBox(dcols)
        dx.withMutablePointer { db in
            let dxp = UncheckedBox(db)
            context.parallelFor(n) { i in           // dx is (N, C_in, H, W)
                nnk_col2im_add(&params, source.value + i * p, Int64(np), dxp.value + i * imageSize)
            }
        }
        return Activations(shape: [n] + inputShape, values: dx)
    }

    public func export(to builder: inout NetworkBuilder) throws(FormatError) {
        try builder.conv2d(outChannels: outChannels, kernel: kernel, stride: stride, padding: padding, groups: groups,
                           weight: weight.value, bias: bias.value)
    }
}
