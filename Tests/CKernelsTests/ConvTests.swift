// Convolution: nnk_conv2d (pointwise GEMM, implicit im2col, grouped, depthwise) against
// nnk_convnd_reference, and nnk_convnd_reference (1-D, 2-D, 3-D) against a tiny independent loop here.
import CKernels
import Testing

/// One 2-D convolution with random input and weights.
struct ConvCase: CustomStringConvertible {
    var p = nnk_conv2d_params()
    let x: FloatBuffer, w: FloatBuffer

    init(n: Int = 1, cin: Int, h: Int, w width: Int, cout: Int, kh: Int, kw: Int, stride: (Int, Int) = (1, 1),
         dilation: (Int, Int) = (1, 1), pads: (Int, Int, Int, Int) = (0, 0, 0, 0), groups: Int = 1, seed: UInt64 = 11) {
        p.N = Int64(n); p.C_in = Int64(cin); p.H = Int64(h); p.W = Int64(width)
        p.C_out = Int64(cout); p.KH = Int64(kh); p.KW = Int64(kw)
        p.stride_h = Int64(stride.0); p.stride_w = Int64(stride.1)
        p.dil_h = Int64(dilation.0); p.dil_w = Int64(dilation.1)
        p.pad_top = Int64(pads.0); p.pad_left = Int64(pads.1); p.pad_bottom = Int64(pads.2); p.pad_right = Int64(pads.3)
        p.groups = Int64(groups)
        p.OH = (p.H + p.pad_top + p.pad_bottom - p.dil_h * (p.KH - 1) - 1) / p.stride_h + 1
        p.OW = (p.W + p.pad_left + p.pad_right - p.dil_w * (p.KW - 1) - 1) / p.stride_w + 1
        var rng = TestRNG(seed)
        x = FloatBuffer(rng.floats(n * cin * h * width))
        w = FloatBuffer(rng.floats(cout * (cin / groups) * kh * kw))
    }

    var outCount: Int { Int(p.N * p.C_out * p.OH * p.OW) }
    var planeSize: Int { Int(p.OH * p.OW) }

    /// The reference convolution (no epilogue) followed by the Swift epilogue.
    func expected(_ ep: EpilogueCase?) -> [Float] {
        let out = FloatBuffer(count: outCount)
        let inShape = [p.H, p.W], k = [p.KH, p.KW], strides = [p.stride_h, p.stride_w]
        let dil = [p.dil_h, p.dil_w], pads = [p.pad_top, p.pad_left, p.pad_bottom, p.pad_right], os = [p.OH, p.OW]
        nnk_convnd_reference(2, p.N, p.C_in, inShape, p.C_out, k, strides, dil, pads, p.groups, os, x.p, w.p,
                             out.p, nil)
        guard let ep else { return out.array }
        return (0..<outCount).map { i in ep.apply(out.p[i], channel: (i / planeSize) % Int(p.C_out), residualIndex: i) }
    }

    func run(_ ep: EpilogueCase?, ntasks: Int) -> [Float] {
        var params = p
        let packed = FloatBuffer(count: Int(nnk_conv2d_packed_weights_floats(&params)))
        nnk_conv2d_pack_weights(&params, w.p, packed.p)
        let ws = FloatBuffer(count: Int(nnk_conv2d_workspace_floats(&params)))
        let out = FloatBuffer(count: outCount, fill: 777)
        var epC = ep?.c ?? nnk_epilogue()
        if ep == nil { nnk_epilogue_init(&epC) }
        // Where the tasks would repeat work (Winograd split by output channels), the two phases
        let shared = FloatBuffer(count: Int(nnk_conv2d_shared_floats(&params, Int64(ntasks))))
        if shared.count > 0 {
            for task in 0..<ntasks { nnk_conv2d_prepare(&params, x.p, shared.p, Int64(task), Int64(ntasks)) }
            for task in 0..<ntasks {
                nnk_conv2d_shared(&params, x.p, packed.p, out.p, &epC, ws.p, shared.p, Int64(task), Int64(ntasks))
            }
            return out.array
        }
        for task in 0..<ntasks {
            nnk_conv2d(&params, x.p, packed.p, out.p, &epC, ws.p, Int64(task), Int64(ntasks))
        }
        return out.array
    }

    func epilogues() -> [EpilogueCase?] {
        let c = Int(p.C_out), r = outCount
        return [
            nil,
            EpilogueCase(act: Int32(NNK_ACT_RELU), bias: true, channels: c),
            EpilogueCase(act: Int32(NNK_ACT_LEAKY_RELU), bias: true, residual: true, scale: true, shift: true,
                         channels: c, residualCount: r),
            EpilogueCase(act: Int32(NNK_ACT_SIGMOID), shift: true, channels: c),
            EpilogueCase(act: Int32(NNK_ACT_TANH), bias: true, scale: true, channels: c),
            EpilogueCase(act: Int32(NNK_ACT_CLIP), residual: true, channels: c, residualCount: r),
            // BN after ReLU: post scale and shift fused into the micro-kernel's store
            EpilogueCase(act: Int32(NNK_ACT_RELU), bias: true, scale: true, shift: true, channels: c),
        ]
    }

    var description: String {
        "N\(p.N) C\(p.C_in)->\(p.C_out) \(p.H)x\(p.W) k\(p.KH)x\(p.KW) s\(p.stride_h),\(p.stride_w) " +
            "d\(p.dil_h),\(p.dil_w) pad \(p.pad_top),\(p.pad_left),\(p.pad_bottom),\(p.pad_right) g\(p.groups)"
    }
}

/// A direct N-d convolution written independently of the C code (no epilogue).
func naiveConvND(inShape: [Int], n: Int, cin: Int, cout: Int, k: [Int], strides: [Int], dil: [Int],
                 pads: [Int], groups: Int, outShape: [Int], x: [Float], w: [Float]) -> [Float] {
    let nd = inShape.count
    let inSize = inShape.reduce(1, *), outSize = outShape.reduce(1, *), kSize = k.reduce(1, *)
    func unflatten(_ i: Int, _ shape: [Int]) -> [Int] {
        var i = i
        var idx = [Int](repeating: 0, count: shape.count)
        for d in stride(from: shape.count - 1, through: 0, by: -1) { idx[d] = i % shape[d]; i /= shape[d] }
        return idx
    }
    let cinG = cin / groups, coutG = cout / groups
    var out = [Float](repeating: 0, count: n * cout * outSize)
    for b in 0..<n {
        for oc in 0..<cout {
            let g = oc / coutG
            for o in 0..<outSize {
                let oi = unflatten(o, outShape)
                var acc: Double = 0
                for ic in 0..<cinG {
                    for t in 0..<kSize {
                        let ti = unflatten(t, k)
                        var flat = 0, inside = true
                        for d in 0..<nd {
                            let pos = oi[d] * strides[d] - pads[d] + ti[d] * dil[d]
                            if pos < 0 || pos >= inShape[d] { inside = false; break }
                            flat = flat * inShape[d] + pos
                        }
                        if !inside { continue }
                        acc += Double(w[(oc * cinG + ic) * kSize + t]) * Double(x[(b * cin + g * cinG + ic) * inSize + flat])
                    }
                }
                out[(b * cout + oc) * outSize + o] = Float(acc)
            }
        }
    }
    return out
}

extension KernelTests {
    @Suite struct Conv2D {
        static func cases() -> [ConvCase] { [
            ConvCase(cin: 3, h: 7, w: 9, cout: 13, kh: 3, kw: 3, pads: (1, 1, 1, 1)),
            ConvCase(n: 2, cin: 17, h: 5, w: 6, cout: 13, kh: 1, kw: 1),                       // pointwise
            ConvCase(cin: 5, h: 7, w: 7, cout: 6, kh: 1, kw: 1, stride: (2, 2)),                // 1x1 stride 2
            ConvCase(cin: 4, h: 11, w: 10, cout: 5, kh: 3, kw: 3, stride: (2, 2), dilation: (2, 2), pads: (0, 2, 1, 0)),
            ConvCase(cin: 6, h: 6, w: 7, cout: 4, kh: 3, kw: 3, pads: (1, 0, 1, 0), groups: 2),
            ConvCase(cin: 3, h: 8, w: 9, cout: 7, kh: 2, kw: 5, stride: (1, 2), pads: (1, 2, 0, 1)),
            ConvCase(cin: 40, h: 5, w: 5, cout: 7, kh: 3, kw: 3, pads: (1, 1, 1, 1)),           // K = 360
            ConvCase(n: 2, cin: 3, h: 6, w: 20, cout: 5, kh: 3, kw: 3),
            ConvCase(cin: 20, h: 1, w: 1, cout: 33, kh: 1, kw: 1),                              // one pixel
            // pointwise: B read in place (ragged last panel packed), 1..6-row tiles, K split in blocks
            ConvCase(cin: 300, h: 12, w: 13, cout: 10, kh: 1, kw: 1),
            ConvCase(n: 2, cin: 24, h: 16, w: 9, cout: 16, kh: 1, kw: 1),
            // ragged last panels of 8 columns or fewer (the narrow micro-kernel), over several K blocks
            ConvCase(cin: 300, h: 14, w: 14, cout: 10, kh: 1, kw: 1),
            ConvCase(n: 2, cin: 20, h: 8, w: 7, cout: 11, kh: 1, kw: 1),                       // exactly 8 columns
            ConvCase(cin: 30, h: 13, w: 14, cout: 13, kh: 3, kw: 3, stride: (2, 2), pads: (1, 1, 1, 1)),
            // pointwise computed pixel-major: 1x1 transpose packing, fused transposed epilogue
            ConvCase(cin: 24, h: 7, w: 7, cout: 64, kh: 1, kw: 1),
            ConvCase(n: 2, cin: 300, h: 7, w: 7, cout: 80, kh: 1, kw: 1),
            ConvCase(cin: 3, h: 6, w: 6, cout: 6, kh: 3, kw: 3, groups: 3),                     // channel multiplier 2
            ConvCase(cin: 2, h: 24, w: 30, cout: 3, kh: 3, kw: 3, pads: (1, 1, 1, 1)),          // N = 720 > one N block
            ConvCase(cin: 1, h: 50, w: 51, cout: 7, kh: 3, kw: 2, stride: (2, 2), pads: (1, 0, 1, 1)),
            // small images: computed pixel-major (tile stored transposed)
            ConvCase(cin: 8, h: 7, w: 7, cout: 48, kh: 3, kw: 3, pads: (1, 1, 1, 1)),
            ConvCase(cin: 8, h: 5, w: 5, cout: 64, kh: 3, kw: 3, pads: (1, 1, 1, 1), groups: 2),
            ConvCase(n: 2, cin: 40, h: 9, w: 9, cout: 16, kh: 3, kw: 3, stride: (2, 2), pads: (1, 1, 1, 1)),
            ConvCase(cin: 40, h: 7, w: 7, cout: 32, kh: 3, kw: 3, pads: (1, 1, 1, 1)),          // K = 360: transposed tiles accumulate
            // pixel-major, two panels at a time (AVX-512): a ragged second panel, over one and two K blocks
            ConvCase(cin: 300, h: 6, w: 6, cout: 30, kh: 1, kw: 1),
            ConvCase(cin: 20, h: 6, w: 6, cout: 62, kh: 3, kw: 3, pads: (1, 1, 1, 1)),
            ConvCase(cin: 2, h: 9, w: 9, cout: 32, kh: 9, kw: 9, pads: (4, 4, 4, 4)),           // 81 taps: packed without the tap table
            // depthwise
            ConvCase(cin: 13, h: 9, w: 40, cout: 13, kh: 3, kw: 3, pads: (1, 1, 1, 1), groups: 13),
            ConvCase(n: 2, cin: 17, h: 11, w: 45, cout: 17, kh: 3, kw: 3, stride: (2, 2), pads: (1, 1, 1, 1), groups: 17),
            ConvCase(cin: 3, h: 12, w: 50, cout: 3, kh: 5, kw: 5, dilation: (2, 2), pads: (2, 3, 1, 0), groups: 3),
            ConvCase(cin: 3, h: 10, w: 30, cout: 3, kh: 3, kw: 3, stride: (3, 3), groups: 3),
            ConvCase(cin: 13, h: 5, w: 5, cout: 13, kh: 3, kw: 3, pads: (1, 1, 1, 1), groups: 13),
            ConvCase(cin: 2, h: 7, w: 75, cout: 2, kh: 3, kw: 4, stride: (1, 2), pads: (0, 1, 2, 3), groups: 2),
            ConvCase(cin: 2, h: 4, w: 53, cout: 2, kh: 3, kw: 3, pads: (1, 1, 1, 1), groups: 2),
            // depthwise, 8 channels per block: narrow planes, partial blocks, several row bands
            ConvCase(cin: 19, h: 7, w: 7, cout: 19, kh: 3, kw: 3, pads: (1, 1, 1, 1), groups: 19),
            ConvCase(n: 2, cin: 9, h: 8, w: 6, cout: 9, kh: 3, kw: 3, stride: (2, 2), pads: (0, 1, 1, 1), groups: 9),
            ConvCase(cin: 16, h: 1, w: 1, cout: 16, kh: 3, kw: 3, pads: (1, 1, 1, 1), groups: 16),
            ConvCase(cin: 8, h: 3, w: 13, cout: 8, kh: 1, kw: 2, stride: (1, 3), groups: 8),
            ConvCase(cin: 10, h: 40, w: 150, cout: 10, kh: 3, kw: 3, pads: (1, 1, 1, 1), groups: 10),
            ConvCase(cin: 9, h: 33, w: 161, cout: 9, kh: 3, kw: 3, stride: (2, 2), pads: (1, 1, 1, 1), groups: 9),
            ConvCase(cin: 3, h: 14, w: 9, cout: 3, kh: 5, kw: 5, pads: (4, 4, 4, 4), groups: 3),
        ] + depthwise3x3Cases() }

        /// 3x3 depthwise, stride 1 and 2, read straight from the planes (AVX2: narrow stride-1 planes
        /// through a padded copy; AVX-512: masked loads, ymm for rows of at most 8): widths around both
        /// vector widths and MobileNetV2's, edge blocks, asymmetric and zero pads, several bands, partial
        /// channel blocks.
        static func depthwise3x3Cases() -> [ConvCase] {
            var cases: [ConvCase] = []
            for (i, w) in [7, 8, 9, 10, 14, 15, 16, 17, 18, 23, 25, 28, 31, 33, 40, 56].enumerated() {
                let h = 5 + i % 4
                cases.append(ConvCase(cin: 9, h: h, w: w, cout: 9, kh: 3, kw: 3, pads: (1, 1, 1, 1), groups: 9, seed: UInt64(w)))
                cases.append(ConvCase(cin: 9, h: h + 3, w: w, cout: 9, kh: 3, kw: 3, stride: (2, 2), pads: (1, 1, 1, 1),
                                      groups: 9, seed: UInt64(100 + w)))
            }
            let pads: [(Int, Int, Int, Int)] = [(0, 0, 0, 0), (0, 1, 1, 0), (2, 0, 0, 2), (1, 2, 2, 1), (0, 0, 1, 1)]
            for (i, pad) in pads.enumerated() {
                cases.append(ConvCase(cin: 10, h: 9 + i, w: 12 + 5 * i, cout: 10, kh: 3, kw: 3, pads: pad, groups: 10))
                cases.append(ConvCase(cin: 10, h: 11 + i, w: 13 + 6 * i, cout: 10, kh: 3, kw: 3, stride: (2, 2), pads: pad,
                                      groups: 10))
            }
            cases += [
                ConvCase(n: 2, cin: 11, h: 7, w: 7, cout: 11, kh: 3, kw: 3, pads: (1, 1, 1, 1), groups: 11),
                ConvCase(n: 2, cin: 11, h: 14, w: 14, cout: 11, kh: 3, kw: 3, stride: (2, 2), pads: (1, 1, 1, 1), groups: 11),
                ConvCase(cin: 3, h: 2, w: 3, cout: 3, kh: 3, kw: 3, pads: (1, 1, 1, 1), groups: 3),
                ConvCase(cin: 3, h: 3, w: 4, cout: 3, kh: 3, kw: 3, stride: (2, 2), pads: (1, 1, 1, 1), groups: 3),
                ConvCase(cin: 3, h: 3, w: 3, cout: 3, kh: 3, kw: 3, groups: 3),                       // one output
                // rows of more than 16 zmm blocks (the AVX-512 kernel's per-call masks cover 16)
                ConvCase(cin: 2, h: 4, w: 300, cout: 2, kh: 3, kw: 3, pads: (1, 1, 1, 1), groups: 2),
                ConvCase(cin: 2, h: 5, w: 611, cout: 2, kh: 3, kw: 3, stride: (2, 2), pads: (1, 1, 1, 1), groups: 2),
                // several bands (a band is about 16K outputs)
                ConvCase(cin: 2, h: 290, w: 64, cout: 2, kh: 3, kw: 3, pads: (1, 1, 1, 1), groups: 2),
                ConvCase(cin: 2, h: 521, w: 135, cout: 2, kh: 3, kw: 3, stride: (2, 2), pads: (1, 1, 1, 1), groups: 2),
                ConvCase(cin: 2, h: 9, w: 21, cout: 2, kh: 3, kw: 3, stride: (1, 2), pads: (1, 1, 1, 1), groups: 2),
                ConvCase(cin: 2, h: 9, w: 21, cout: 2, kh: 3, kw: 3, dilation: (2, 1), pads: (2, 1, 2, 1), groups: 2),
                ConvCase(cin: 2, h: 15, w: 37, cout: 2, kh: 3, kw: 5, stride: (2, 2), pads: (1, 2, 1, 2), groups: 2),
                ConvCase(cin: 2, h: 10, w: 29, cout: 2, kh: 5, kw: 3, stride: (2, 1), pads: (2, 1, 2, 1), groups: 2),
            ]
            return cases
        }

        @Test func matchesReferenceWithEveryTaskSplit() {
            forEachVariant { isa in
                for c in Self.cases() { for ep in c.epilogues() {
                    let one = c.run(ep, ntasks: 1)
                    expectClose(one, c.expected(ep), rtol: 2e-4, atol: 2e-5, "\(isa) \(c) \(ep.map { "\($0)" } ?? "-")")
                    for ntasks in [2, 3] {
                        expectIdentical(c.run(ep, ntasks: ntasks), one, "\(isa) \(c) ntasks \(ntasks)")
                    }
                } }
            }
        }

        /// The AVX-512 micro-kernel (where the CPU has it) gives the AVX2 kernel's bits: the same fused
        /// multiply-adds in the same order and the same epilogue, for every algorithm and ragged edge.
        @Test func avx512GivesTheBitsOfAVX2() throws {
            defer { nnk_set_force_reference(0) }
            try #require(String(cString: nnk_isa_name()) != "reference", "no SIMD variant on this CPU")
            for c in Self.cases() + KernelTests.Winograd.cases() { for ep in c.epilogues() {
                nnk_set_force_reference(0)
                let best = c.run(ep, ntasks: 1)
                nnk_set_force_reference(2)
                expectIdentical(best, c.run(ep, ntasks: 1), "\(c) \(ep.map { "\($0)" } ?? "-")")
            } }
        }

        /// Packing with a per-channel scale gives the bits of packing the scaled weights, for every layout.
        @Test func scaledPackingEqualsPackingScaledWeights() {
            for c in Self.cases() + KernelTests.Winograd.cases() {
                var p = c.p
                let n = Int(nnk_conv2d_packed_weights_floats(&p)), perChannel = c.w.count / Int(p.C_out)
                var rng = TestRNG(3)
                let scale = FloatBuffer(rng.floats(Int(p.C_out), -2, 2))
                let scaledW = FloatBuffer((0..<c.w.count).map { c.w.p[$0] * scale.p[$0 / perChannel] })
                let a = FloatBuffer(count: n), b = FloatBuffer(count: n)
                nnk_conv2d_pack_weights_scaled(&p, c.w.p, scale.p, a.p)
                nnk_conv2d_pack_weights(&p, scaledW.p, b.p)
                expectIdentical(a.array, b.array, "\(c) algorithm \(nnk_conv2d_algorithm(&p))")
            }
        }

        @Test func taskCountsSplitBatchOneWork() {
            var big = ConvCase(cin: 1, h: 1, w: 1, cout: 1, kh: 1, kw: 1).p
            big.C_in = 64; big.C_out = 64; big.H = 56; big.W = 56; big.KH = 3; big.KW = 3
            big.pad_top = 1; big.pad_left = 1; big.pad_bottom = 1; big.pad_right = 1; big.OH = 56; big.OW = 56
            #expect(nnk_conv2d_task_count(&big, 2) == 2)
            #expect(nnk_conv2d_task_count(&big, 1) == 1)
            var tiny = ConvCase(cin: 1, h: 3, w: 3, cout: 1, kh: 1, kw: 1).p
            #expect(nnk_conv2d_task_count(&tiny, 2) == 1)
        }

        @Test func referenceConvMatchesNaiveIn1D2D3D() {
            struct Case { let inShape, k, strides, dil, pads: [Int]; let n, cin, cout, groups: Int }
            let cases = [
                Case(inShape: [11], k: [3], strides: [2], dil: [1], pads: [1, 2], n: 2, cin: 3, cout: 4, groups: 1),
                Case(inShape: [9], k: [2], strides: [1], dil: [3], pads: [0, 1], n: 1, cin: 4, cout: 2, groups: 2),
                Case(inShape: [6, 7], k: [3, 2], strides: [1, 2], dil: [2, 1], pads: [1, 0, 2, 1], n: 1, cin: 2, cout: 3, groups: 1),
                Case(inShape: [4, 5, 6], k: [2, 3, 2], strides: [1, 2, 1], dil: [1, 1, 2], pads: [0, 1, 1, 1, 0, 0], n: 2, cin: 2, cout: 4, groups: 2),
                Case(inShape: [3, 4, 5], k: [3, 3, 3], strides: [2, 1, 1], dil: [1, 1, 1], pads: [1, 1, 1, 1, 1, 1], n: 1, cin: 3, cout: 3, groups: 3),
            ]
            for (ci, c) in cases.enumerated() {
                let nd = c.inShape.count
                var outShape: [Int] = []
                for d in 0..<nd {
                    let span = c.dil[d] * (c.k[d] - 1) + 1
                    outShape.append((c.inShape[d] + c.pads[d] + c.pads[nd + d] - span) / c.strides[d] + 1)
                }
                var rng = TestRNG(UInt64(ci))
                let x = rng.floats(c.n * c.cin * c.inShape.reduce(1, *))
                let w = rng.floats(c.cout * c.cin / c.groups * c.k.reduce(1, *))
                let outCount = c.n * c.cout * outShape.reduce(1, *)
                let want = naiveConvND(inShape: c.inShape, n: c.n, cin: c.cin, cout: c.cout, k: c.k, strides: c.strides,
                                       dil: c.dil, pads: c.pads, groups: c.groups, outShape: outShape, x: x, w: w)
                let ep = EpilogueCase(act: Int32(NNK_ACT_RELU), bias: true, residual: true, channels: c.cout,
                                      residualCount: outCount)
                let out = FloatBuffer(count: outCount)
                var epC = ep.c
                let i64 = { (a: [Int]) in a.map { Int64($0) } }
                nnk_convnd_reference(Int32(nd), Int64(c.n), Int64(c.cin), i64(c.inShape), Int64(c.cout), i64(c.k),
                                     i64(c.strides), i64(c.dil), i64(c.pads), Int64(c.groups), i64(outShape), x, w,
                                     out.p, &epC)
                let plane = outShape.reduce(1, *)
                let wantEp = (0..<outCount).map { i in ep.apply(want[i], channel: (i / plane) % c.cout, residualIndex: i) }
                expectClose(out.array, wantEp, "\(nd)-D case \(ci)")
            }
        }
    }
}
