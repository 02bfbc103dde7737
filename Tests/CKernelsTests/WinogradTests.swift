// Winograd F(4x4, 3x3): chosen for the shapes it should take, against the reference convolution on
// awkward shapes (odd channel counts, sizes not multiples of 4, asymmetric padding, several tile
// blocks, batch 2), every epilogue, task splits (bit-identical), and its error against the direct
// kernel (no_winograd) measured and bounded. The measured bound is what SessionReport quotes.
import CKernels
import Foundation
import Testing

/// Max |a - b| over max |b|: the error relative to the output's scale.
func scaledMaxError(_ a: [Float], _ b: [Float]) -> Float {
    let scale = b.map(abs).max() ?? 1
    return zip(a, b).map { abs($0 - $1) }.max().map { $0 / max(scale, 1e-30) } ?? 0
}

extension KernelTests {
    @Suite struct Winograd {
        static func cases() -> [ConvCase] { [
            ConvCase(cin: 16, h: 10, w: 10, cout: 16, kh: 3, kw: 3, pads: (1, 1, 1, 1)),
            ConvCase(cin: 17, h: 13, w: 11, cout: 19, kh: 3, kw: 3, pads: (1, 1, 1, 1)),
            ConvCase(n: 2, cin: 20, h: 14, w: 15, cout: 23, kh: 3, kw: 3, pads: (0, 2, 1, 0)),
            ConvCase(cin: 16, h: 12, w: 12, cout: 16, kh: 3, kw: 3),                 // no padding: 10x10
            ConvCase(cin: 24, h: 45, w: 37, cout: 16, kh: 3, kw: 3, pads: (1, 1, 1, 1)),   // several tile blocks
            ConvCase(cin: 300, h: 10, w: 11, cout: 18, kh: 3, kw: 3, pads: (1, 1, 1, 1)),  // K beyond one K block
            // small images at a batch with >= 32 tiles: blocks span images
            ConvCase(n: 8, cin: 16, h: 7, w: 7, cout: 17, kh: 3, kw: 3, pads: (1, 1, 1, 1)),
            ConvCase(n: 6, cin: 18, h: 9, w: 8, cout: 16, kh: 3, kw: 3, pads: (1, 0, 1, 2)),
            ConvCase(cin: 37, h: 14, w: 13, cout: 40, kh: 3, kw: 3, pads: (1, 1, 1, 1)),   // one block, split by channels
        ] }

        @Test func choosesWinogradOnlyWhereItApplies() {
            var c = ConvCase(cin: 16, h: 10, w: 10, cout: 16, kh: 3, kw: 3, pads: (1, 1, 1, 1)).p
            #expect(nnk_conv2d_algorithm(&c) == Int32(NNK_CONV_ALGO_WINOGRAD_F4X3))
            c.no_winograd = 1
            #expect(nnk_conv2d_algorithm(&c) != Int32(NNK_CONV_ALGO_WINOGRAD_F4X3))
            var small = ConvCase(cin: 16, h: 7, w: 7, cout: 16, kh: 3, kw: 3, pads: (1, 1, 1, 1)).p
            #expect(nnk_conv2d_algorithm(&small) != Int32(NNK_CONV_ALGO_WINOGRAD_F4X3))   // 4 tiles
            small.N = 8
            #expect(nnk_conv2d_algorithm(&small) == Int32(NNK_CONV_ALGO_WINOGRAD_F4X3))   // 32 tiles
            var strided = ConvCase(cin: 16, h: 30, w: 30, cout: 16, kh: 3, kw: 3, stride: (2, 2)).p
            #expect(nnk_conv2d_algorithm(&strided) != Int32(NNK_CONV_ALGO_WINOGRAD_F4X3))
        }

        /// A small batch of small images (one tile block) splits output channels between tasks, which
        /// then transform the input once in two phases (ConvCase.run uses them, so the task splits
        /// below check their bits); a batch with a block per task needs no shared phase.
        @Test func fewTileBlocksTransformTheInputOnce() {
            var one = ConvCase(cin: 32, h: 14, w: 14, cout: 40, kh: 3, kw: 3, pads: (1, 1, 1, 1)).p
            #expect(nnk_conv2d_shared_floats(&one, 1) == 0)
            #expect(nnk_conv2d_shared_floats(&one, 2) > 0)
            var many = ConvCase(n: 8, cin: 32, h: 28, w: 28, cout: 40, kh: 3, kw: 3, pads: (1, 1, 1, 1)).p
            #expect(nnk_conv2d_shared_floats(&many, 2) == 0)
            #expect(Self.cases().contains { c in var p = c.p; return nnk_conv2d_shared_floats(&p, 2) > 0 })
        }

        /// Every variant and epilogue against the reference; task splits give the same bits.
        @Test func matchesReferenceWithEveryTaskSplit() {
            forEachVariant { isa in
                for c in Self.cases() {
                    var p = c.p
                    #expect(nnk_conv2d_algorithm(&p) == Int32(NNK_CONV_ALGO_WINOGRAD_F4X3), "\(c)")
                    let scale = c.expected(nil).map(abs).max() ?? 1
                    for ep in c.epilogues() {
                        let one = c.run(ep, ntasks: 1)
                        expectClose(one, c.expected(ep), rtol: 1e-4, atol: 2e-5 * scale, "\(isa) \(c) \(ep.map { "\($0)" } ?? "-")")
                        for ntasks in [2, 3, 5] {
                            expectIdentical(c.run(ep, ntasks: ntasks), one, "\(isa) \(c) ntasks \(ntasks)")
                        }
                    }
                }
            }
        }

        /// The error of Winograd against the direct kernel, relative to the output scale, on
        /// ResNet-like layers (He-initialised weights, unit inputs). Measured 4.8e-6 and 8.8e-6 (64 and 256
        /// input channels; direct: 7e-7, 1.4e-6); the bound quoted in SessionReport is 2e-5.
        @Test func errorAgainstDirectKernelIsBounded() {
            for (cin, size) in [(64, 28), (256, 14)] {
                var rng = TestRNG(UInt64(cin))
                var c = ConvCase(cin: cin, h: size, w: size, cout: 32, kh: 3, kw: 3, pads: (1, 1, 1, 1))
                let std = Float(sqrt(2.0 / Double(9 * cin)) * sqrt(3.0))
                for i in 0..<c.w.count { c.w.p[i] = rng.float(-std, std) }
                let wino = c.run(nil, ntasks: 1)
                c.p.no_winograd = 1
                let direct = c.run(nil, ntasks: 1)
                let exact = c.expected(nil)
                let err = scaledMaxError(wino, exact), directErr = scaledMaxError(direct, exact)
                print("Winograd F(4,3) error vs reference, C_in \(cin): \(err) (direct kernel: \(directErr))")
                #expect(err < 2e-5, "C_in \(cin): scaled error \(err)")
            }
        }
    }
}
