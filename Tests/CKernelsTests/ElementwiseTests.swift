// Activations, per-channel affine, broadcast binary ops, softmax, and the dispatch switch.
import CKernels
import Foundation
import Testing

extension KernelTests {
    @Suite struct Elementwise {
        @Test func dispatchReportsAndForcesTheVariant() {
            let best = String(cString: nnk_isa_name())
            #expect(["avx512", "avx2_fma", "reference"].contains(best))
            nnk_set_force_reference(1)
            #expect(String(cString: nnk_isa_name()) == "reference")
            nnk_set_force_reference(2)              // the AVX2 variant wherever the CPU has one
            #expect(String(cString: nnk_isa_name()) == (best == "reference" ? "reference" : "avx2_fma"))
            nnk_set_force_reference(0)
            #expect(String(cString: nnk_isa_name()) == best)
        }

        /// sigmoid/tanh use a polynomial exp on AVX2: held to 2e-6 relative (plus 1e-30 absolute).
        @Test func activationsMatchLibm() {
            var rng = TestRNG(9)
            let special: [Float] = [0, -0.0, 1e-7, -1e-7, 1e-3, -1e-3, 0.3466, -0.3466, 0.5, -0.7, 1, -1, 5, -5,
                                    9.5, -9.5, 10.5, -10.5, 20, -20, 50, -50, 87, -87, 100, -100]
            let xs = special + rng.floats(77, -12, 12)
            forEachVariant { isa in
                for act in Int32(NNK_ACT_NONE)...Int32(NNK_ACT_TANH) {
                    let alpha: Float = act == Int32(NNK_ACT_CLIP) ? -0.5 : 0.2, beta: Float = 0.75
                    for n in [1, 7, 8, 9, xs.count] {
                        var out = [Float](repeating: 777, count: n + 1)
                        nnk_activation(act, alpha, beta, xs, &out, Int64(n))
                        let want = xs.prefix(n).map { referenceActivation(act, alpha, beta, $0) } + [777]
                        expectClose(out, want, rtol: 2e-6, atol: 1e-30, "\(isa) act \(act) n \(n)")
                    }
                    var inPlace = xs                                          // in == out
                    inPlace.withUnsafeMutableBufferPointer { b in
                        nnk_activation(act, alpha, beta, b.baseAddress, b.baseAddress, Int64(b.count))
                    }
                    expectClose(inPlace, xs.map { referenceActivation(act, alpha, beta, $0) }, rtol: 2e-6, atol: 1e-30,
                                "\(isa) act \(act) in place")
                }
            }
        }

        @Test func channelAffine() {
            var rng = TestRNG(4)
            let (outer, C, inner) = (2, 3, 13)
            let x = rng.floats(outer * C * inner), scale = rng.floats(C), shift = rng.floats(C)
            forEachVariant { isa in
                for (useScale, useShift) in [(true, true), (true, false), (false, true), (false, false)] {
                    var out = [Float](repeating: 0, count: x.count)
                    nnk_channel_affine(Int64(outer), Int64(C), Int64(inner), useScale ? scale : nil,
                                       useShift ? shift : nil, x, &out)
                    let want = x.indices.map { i -> Float in
                        let c = (i / inner) % C
                        return x[i] * (useScale ? scale[c] : 1) + (useShift ? shift[c] : 0)
                    }
                    expectClose(out, want, rtol: 1e-6, atol: 1e-6, "\(isa) affine \(useScale) \(useShift)")
                }
            }
        }

        @Test func binaryBroadcasts() {
            struct Case { let shape, aStrides, bStrides: [Int]; let aCount, bCount: Int }
            let cases = [
                Case(shape: [2, 3, 4, 5], aStrides: [60, 20, 5, 1], bStrides: [0, 1, 0, 0], aCount: 120, bCount: 3),
                Case(shape: [2, 3, 4, 5], aStrides: [0, 0, 5, 1], bStrides: [60, 20, 5, 1], aCount: 20, bCount: 120),
                Case(shape: [17], aStrides: [1], bStrides: [0], aCount: 17, bCount: 1),
                Case(shape: [3, 7], aStrides: [1, 3], bStrides: [7, 1], aCount: 21, bCount: 21),   // a transposed
                Case(shape: [], aStrides: [], bStrides: [], aCount: 1, bCount: 1),
                Case(shape: [4, 1, 9], aStrides: [9, 0, 1], bStrides: [0, 0, 1], aCount: 36, bCount: 9),
            ]
            forEachVariant { isa in
                for (ci, c) in cases.enumerated() {
                    var rng = TestRNG(UInt64(ci))
                    let a = rng.floats(c.aCount), b = rng.floats(c.bCount, 0.5, 2)
                    let n = c.shape.reduce(1, *)
                    for op in Int32(NNK_BIN_ADD)...Int32(NNK_BIN_DIV) {
                        var out = [Float](repeating: 0, count: n)
                        nnk_binary_strided(op, Int32(c.shape.count), c.shape.map { Int64($0) }, a,
                                           c.aStrides.map { Int64($0) }, b, c.bStrides.map { Int64($0) }, &out)
                        var want: [Float] = []
                        for i in 0..<n {
                            var r = i, ai = 0, bi = 0
                            for d in stride(from: c.shape.count - 1, through: 0, by: -1) {
                                let idx = r % c.shape[d]; r /= c.shape[d]
                                ai += idx * c.aStrides[d]; bi += idx * c.bStrides[d]
                            }
                            let x = a[ai], y = b[bi]
                            want.append([x + y, x - y, x * y, x / y][Int(op)])
                        }
                        expectClose(out, want, rtol: 1e-6, atol: 0, "\(isa) binary case \(ci) op \(op)")
                    }
                }
            }
        }

        @Test func softmaxAndLogSoftmax() {
            forEachVariant { isa in
                for cols in [1, 5, 8, 13, 100] {
                    var rng = TestRNG(UInt64(cols))
                    let rows = 3
                    let x = rng.floats(rows * cols, -10, 10)
                    for log: Int32 in [0, 1] {
                        var out = [Float](repeating: 0, count: x.count)
                        nnk_softmax_rows(Int64(rows), Int64(cols), x, &out, log)
                        var want: [Float] = []
                        for r in 0..<rows {
                            let row = x[(r * cols)..<((r + 1) * cols)].map { Double($0) }
                            let m = row.max()!, s = row.reduce(0.0) { $0 + Foundation.exp($1 - m) }
                            want += row.map { Float(log != 0 ? $0 - m - Foundation.log(s) : Foundation.exp($0 - m) / s) }
                        }
                        expectClose(out, want, rtol: 1e-5, atol: 1e-6, "\(isa) softmax cols \(cols) log \(log)")
                    }
                }
            }
        }
    }
}
