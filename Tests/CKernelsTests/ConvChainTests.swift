// The fused inverted-residual chain (nnk_conv_chain) gives the bits of its three convolutions run
// one after another through nnk_conv2d, for any band split and task count.
import CKernels
import Testing

/// expand 1x1 (cin -> c, optional) -> depthwise k x k (stride, pads) -> project 1x1 (c -> cout).
/// With `stem` (kernel, stride, pad), the first conv is that dense conv of an input of `stem.h` x
/// `stem.w` instead of a 1x1 (h x w is then its output, the depthwise conv's input).
struct ChainCase: CustomStringConvertible {
    let n, cin, c, cout, h, w, k, stride, pad: Int
    let expand: Bool
    let stem: (k: Int, stride: Int, pad: Int, h: Int, w: Int)?
    let x, w1, w2, w3: FloatBuffer
    let s1: FloatBuffer

    init(n: Int = 1, cin: Int, c: Int, cout: Int, h: Int, w: Int, k: Int = 3, stride: Int = 1, pad: Int = 1,
         expand: Bool = true, stem: (k: Int, stride: Int, pad: Int)? = nil, seed: UInt64 = 5) {
        (self.n, self.cin, self.c, self.cout, self.k, self.stride, self.pad, self.expand) =
            (n, cin, c, cout, k, stride, pad, expand)
        if let stem {       // h x w is the stem's input; the chain's expanded tensor is its output
            self.stem = (stem.k, stem.stride, stem.pad, h, w)
            self.h = (h + 2 * stem.pad - stem.k) / stem.stride + 1
            self.w = (w + 2 * stem.pad - stem.k) / stem.stride + 1
        } else {
            (self.stem, self.h, self.w) = (nil, h, w)
        }
        var rng = TestRNG(seed)
        x = FloatBuffer(rng.floats(n * (expand ? cin : c) * (stem == nil ? h * w : h * w)))
        w1 = FloatBuffer(rng.floats(c * cin * (stem.map { $0.k * $0.k } ?? 1)))
        w2 = FloatBuffer(rng.floats(c * k * k))
        w3 = FloatBuffer(rng.floats(cout * c))
        s1 = FloatBuffer(rng.floats(c, 0.5, 1.5))
    }

    func conv(cin: Int, cout: Int, h: Int, w: Int, k: Int, stride: Int, pad: Int, groups: Int) -> nnk_conv2d_params {
        var p = nnk_conv2d_params()
        p.N = Int64(n); p.C_in = Int64(cin); p.H = Int64(h); p.W = Int64(w); p.C_out = Int64(cout)
        p.KH = Int64(k); p.KW = Int64(k); p.stride_h = Int64(stride); p.stride_w = Int64(stride)
        p.dil_h = 1; p.dil_w = 1
        p.pad_top = Int64(pad); p.pad_left = Int64(pad); p.pad_bottom = Int64(pad); p.pad_right = Int64(pad)
        p.groups = Int64(groups)
        p.OH = (p.H + 2 * p.pad_top - p.KH) / p.stride_h + 1
        p.OW = (p.W + 2 * p.pad_left - p.KW) / p.stride_w + 1
        return p
    }

    var dw: nnk_conv2d_params { conv(cin: c, cout: c, h: h, w: w, k: k, stride: stride, pad: pad, groups: c) }
    var outCount: Int { n * cout * Int(dw.OH * dw.OW) }

    /// The three convolutions through nnk_conv2d (expand weights scaled by s1 while packing).
    func unfused(_ e1: EpilogueCase, _ e2: EpilogueCase, _ e3: EpilogueCase) -> [Float] {
        var p2 = dw
        var p1 = stem.map { conv(cin: cin, cout: c, h: $0.h, w: $0.w, k: $0.k, stride: $0.stride, pad: $0.pad, groups: 1) }
            ?? conv(cin: cin, cout: c, h: h, w: w, k: 1, stride: 1, pad: 0, groups: 1)
        var p3 = conv(cin: c, cout: cout, h: Int(p2.OH), w: Int(p2.OW), k: 1, stride: 1, pad: 0, groups: 1)
        func run(_ p: inout nnk_conv2d_params, _ input: FloatBuffer, _ w: FloatBuffer, _ scale: FloatBuffer?,
                 _ e: EpilogueCase, _ count: Int) -> FloatBuffer {
            let packed = FloatBuffer(count: Int(nnk_conv2d_packed_weights_floats(&p)))
            nnk_conv2d_pack_weights_scaled(&p, w.p, scale?.p, packed.p)
            let ws = FloatBuffer(count: Int(nnk_conv2d_workspace_floats(&p)))
            let out = FloatBuffer(count: count)
            var ep = e.c
            nnk_conv2d(&p, input.p, packed.p, out.p, &ep, ws.p, 0, 1)
            return out
        }
        let e = expand ? run(&p1, x, w1, s1, e1, n * c * h * w) : x
        let d = run(&p2, e, w2, nil, e2, n * c * Int(p2.OH * p2.OW))
        return run(&p3, d, w3, nil, e3, outCount).array
    }

    func fused(_ e1: EpilogueCase, _ e2: EpilogueCase, _ e3: EpilogueCase, ntasks: Int) -> [Float] {
        var p = nnk_chain_params()
        p.dw = dw
        p.C_in = expand ? Int64(cin) : 0
        p.C_out = Int64(cout)
        let k1 = Int64(cin * (stem.map { $0.k * $0.k } ?? 1))
        if let stem {
            p.expand = conv(cin: cin, cout: c, h: stem.h, w: stem.w, k: stem.k, stride: stem.stride, pad: stem.pad, groups: 1)
            p.expand_conv = 1
        }
        let pw1 = FloatBuffer(count: Int(nnk_pointwise_packed_floats(Int64(c), k1)))
        nnk_pointwise_pack(Int64(c), k1, w1.p, s1.p, pw1.p)
        let pw2 = FloatBuffer(count: Int(nnk_conv2d_packed_weights_floats(&p.dw)))
        nnk_conv2d_pack_weights(&p.dw, w2.p, pw2.p)
        let pw3 = FloatBuffer(count: Int(nnk_pointwise_packed_floats(Int64(cout), Int64(c))))
        nnk_pointwise_pack(Int64(cout), Int64(c), w3.p, nil, pw3.p)
        let ws = FloatBuffer(count: Int(nnk_chain_workspace_floats(&p)) * ntasks)
        let out = FloatBuffer(count: outCount, fill: 777)
        var ep1 = e1.c, ep2 = e2.c, ep3 = e3.c
        for t in 0..<ntasks {
            nnk_conv_chain(&p, x.p, pw1.p, &ep1, pw2.p, &ep2, pw3.p, &ep3, out.p,
                           ws.p + t * Int(nnk_chain_workspace_floats(&p)), Int64(t), Int64(ntasks))
        }
        return out.array
    }

    var description: String {
        "N\(n) \(stem.map { "stem \($0.h)x\($0.w) k\($0.k) s\($0.stride) pad \($0.pad) " } ?? "")" +
            "\(expand ? "\(cin)->" : "")\(c)->\(cout) \(h)x\(w) k\(k) s\(stride) pad \(pad)"
    }
}

extension KernelTests {
    @Suite struct ConvChain {
        static func cases() -> [ChainCase] { [
            ChainCase(cin: 16, c: 96, cout: 24, h: 112, w: 112, stride: 2),          // several bands, stride 2
            ChainCase(cin: 24, c: 144, cout: 24, h: 56, w: 56),                      // several bands, stride 1
            ChainCase(n: 2, cin: 7, c: 13, cout: 5, h: 9, w: 11),                    // one band, ragged sizes
            ChainCase(cin: 5, c: 40, cout: 9, h: 61, w: 37, stride: 2),              // odd sizes, last band short
            ChainCase(cin: 3, c: 11, cout: 8, h: 20, w: 23, k: 5, pad: 2),           // 5x5
            // several bands of 5x5 windows (4 and 3 expanded rows carried from band to band)
            ChainCase(cin: 8, c: 96, cout: 16, h: 90, w: 64, k: 5, pad: 2),
            ChainCase(cin: 8, c: 80, cout: 12, h: 101, w: 70, k: 5, stride: 2, pad: 2),
            ChainCase(cin: 0, c: 32, cout: 16, h: 112, w: 112, expand: false),       // no expand
            ChainCase(n: 2, cin: 0, c: 9, cout: 7, h: 33, w: 17, stride: 2, expand: false),
            // a dense first conv (a stem): MobileNetV2's, and odd sizes, kernels, strides and pads
            ChainCase(cin: 3, c: 32, cout: 16, h: 224, w: 224, stem: (3, 2, 1)),
            ChainCase(n: 2, cin: 3, c: 24, cout: 8, h: 75, w: 61, stride: 2, stem: (3, 2, 1)),
            ChainCase(cin: 4, c: 40, cout: 9, h: 97, w: 45, stem: (5, 2, 2)),
            ChainCase(cin: 2, c: 16, cout: 5, h: 70, w: 33, stem: (3, 1, 0)),
            ChainCase(cin: 3, c: 12, cout: 6, h: 130, w: 50, k: 5, pad: 2, stem: (7, 3, 3)),
        ] }

        @Test func sameBitsAsTheThreeConvolutions() {
            forEachVariant { isa in
                for t in Self.cases() {
                    // BN before the activations (bias, Clip or ReLU), and after them (post scale and shift)
                    for after in [false, true] {
                        let e1 = EpilogueCase(act: Int32(NNK_ACT_CLIP), bias: true, scale: after, shift: after, channels: t.c, seed: 1)
                        let e2 = EpilogueCase(act: Int32(NNK_ACT_RELU), bias: true, scale: after, shift: after, channels: t.c, seed: 2)
                        let e3 = EpilogueCase(bias: true, residual: true, channels: t.cout, residualCount: t.outCount,
                                              residualLD: 0, seed: 3)
                        let want = t.unfused(e1, e2, e3)
                        for ntasks in [1, 3] {
                            expectIdentical(t.fused(e1, e2, e3, ntasks: ntasks), want, "\(isa) \(t) after \(after) ntasks \(ntasks)")
                        }
                    }
                }
            }
        }

        @Test func severalBandsAtMobileNetSizes() {
            var p = nnk_chain_params()
            p.dw = Self.cases()[0].dw
            p.C_in = 16
            p.C_out = 24
            #expect(nnk_chain_band_rows(&p) < p.dw.OH)
            #expect(nnk_chain_task_count(&p, 2) == 2)
        }
    }
}
