import CKernels
import NNFormat

/// A 2-D convolution with square kernels, stride, zero padding and groups.
///
/// Forward is the runtime's `nnk_conv2d` (implicit im2col, packed weights, bias epilogue). Backward
/// builds the explicit column matrix of the batch, all images side by side, `(C_in·K·K, N·P)` for
/// P = OH·OW output positions, and runs two GEMMs per group through the runtime's `nnk_sgemm`: the
/// weight gradient (split over K across threads) and the column gradient, which col2im folds back
/// into the input gradient.
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
    private let cols = Scratch(), transposed = Scratch(), weightGradient = Scratch(), packedWeights = Scratch()
    private var input: [Float] = []      // the last training batch, (N, C_in, H, W)

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
            groups: Int64(groups), OH: Int64(oh), OW: Int64(ow),
            // Weights change every step: the direct path avoids re-transforming them for Winograd.
            no_winograd: 1)
    }

    private var positions: Int { outputShape[1] * outputShape[2] }
    private var rowsPerGroup: Int { inputShape[0] / groups * kernel * kernel }

    public func forward(_ x: Activations, mode: Mode, context: ComputeContext) -> Activations {
        // The runtime's convolution (implicit im2col, NCHW output, bias in the epilogue) with the
        // current weights packed for this step; backward builds the explicit column matrix itself.
        var params = geometry
        params.N = Int64(x.batch)
        if mode == .train { input = x.values }
        let packed = packedWeights.floats(Int(nnk_conv2d_packed_weights_floats(&params)))
        weight.value.withPointer { nnk_conv2d_pack_weights(&params, $0, packed) }
        let tasks = max(1, Int(nnk_conv2d_task_count(&params, Int32(context.threads))))
        let workspace = Int(nnk_conv2d_workspace_floats(&params))
        var y = [Float](repeating: 0, count: x.batch * outputShape.reduce(1, *))
        x.values.withPointer { xp in
            bias.value.withPointer { bp in
                y.withMutablePointer { yp in                // y is (N, C_out, OH, OW)
                    var ep = nnk_epilogue()
                    nnk_epilogue_init(&ep)
                    ep.bias = bp
                    let (src, dst, w) = (UncheckedBox(xp), UncheckedBox(yp), UncheckedBox(UnsafePointer(packed)))
                    withUnsafePointer(to: &ep) { e in
                        withUnsafePointer(to: &params) { pp in
                            let (epBox, pBox) = (UncheckedBox(e), UncheckedBox(pp))
                            context.runTasks(tasks, workspaceFloats: workspace) { t, ws in
                                nnk_conv2d(pBox.value, src.value, w.value, dst.value, epBox.value, ws, Int64(t), Int64(tasks))
                            }
                        }
                    }
                }
            }
        }
        return Activations(shape: [x.batch] + outputShape, values: y)
    }

    public func backward(_ dy: Activations, inputGradient: Bool, context: ComputeContext) -> Activations {
        let n = dy.batch, p = positions, np = n * p, cout = outChannels
        let kg = rowsPerGroup, mg = cout / groups, imageSize = inputShape.reduce(1, *)
        let colsBox = UncheckedBox(cols.floats(kg * groups * np))
        let params = geometry
        input.withPointer { xp in
            withUnsafePointer(to: params) { pp in
                let (xb, pb) = (UncheckedBox(xp), UncheckedBox(pp))
                // cols is (C_in·K·K, N, P): image i fills columns [i·P, (i+1)·P).
                context.parallelFor(n) { i in
                    nnk_im2col(pb.value, xb.value + i * imageSize, colsBox.value + i * p, Int64(np))
                }
            }
        }
        let dyt = transposed.floats(cout * np)      // dyt is (C_out, N, P)
        dy.values.withPointer { Layout.swapOuter($0, dyt, a: n, b: cout, inner: p, context: context) }
        var sums = [Float](repeating: 0, count: cout)
        sums.withMutablePointer { sp in
            let (out, rows) = (UncheckedBox(sp), UncheckedBox(dyt))
            context.parallelFor(cout) { c in        // bias gradient: the sum of each row of dyt, in order
                var s: Double = 0
                let row = rows.value + c * np
                for j in 0..<np { s += Double(row[j]) }
                out.value[c] = Float(s)
            }
        }
        for c in 0..<cout { bias.gradient[c] += sums[c] }
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
        var dx = [Float](repeating: 0, count: n * imageSize)
        let source = UncheckedBox(dcols)
        dx.withMutablePointer { db in
            withUnsafePointer(to: params) { pp in
                let (dxp, pb) = (UncheckedBox(db), UncheckedBox(pp))
                context.parallelFor(n) { i in       // dx is (N, C_in, H, W)
                    nnk_col2im_add(pb.value, source.value + i * p, Int64(np), dxp.value + i * imageSize)
                }
            }
        }
        return Activations(shape: [n] + inputShape, values: dx)
    }

    public func export(to builder: inout NetworkBuilder) throws(FormatError) {
        try builder.conv2d(outChannels: outChannels, kernel: kernel, stride: stride, padding: padding, groups: groups,
                           weight: weight.value, bias: bias.value)
    }
}
