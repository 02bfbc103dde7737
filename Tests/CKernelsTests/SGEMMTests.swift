// SGEMM against a naive double-precision triple loop: awkward shapes, strided/transposed/pre-packed
// operands, alpha, every epilogue combination on both channel axes, and task splits that must not
// change a single bit.
import CKernels
import Testing

/// One GEMM problem with A and B stored in a chosen layout.
struct GemmProblem {
    enum Layout: CaseIterable { case rowMajor, transposed, padded }
    let M: Int, N: Int, K: Int, alpha: Float
    let a: FloatBuffer, aRS: Int, aCS: Int
    let b: FloatBuffer, bRS: Int, bCS: Int
    var ldc: Int { N + 3 }
    static let sentinel: Float = 777

    init(M: Int, N: Int, K: Int, alpha: Float = 1, aLayout: Layout = .rowMajor, bLayout: Layout = .rowMajor,
         seed: UInt64 = 1) {
        self.M = M; self.N = N; self.K = K; self.alpha = alpha
        var rng = TestRNG(seed)
        // (rows, cols) stored with the given layout: returns buffer and element strides
        func store(_ rows: Int, _ cols: Int, _ layout: Layout) -> (FloatBuffer, Int, Int) {
            switch layout {
            case .rowMajor: return (FloatBuffer(rng.floats(rows * cols)), cols, 1)
            case .transposed: return (FloatBuffer(rng.floats(rows * cols)), 1, rows)
            case .padded: return (FloatBuffer(rng.floats(rows * (cols + 5))), cols + 5, 1)
            }
        }
        (a, aRS, aCS) = store(M, K, aLayout)
        (b, bRS, bCS) = store(K, N, bLayout)
    }

    /// The expected C (M x ldc, padding keeps the sentinel).
    func expected(_ ep: EpilogueCase?) -> [Float] {
        var c = [Float](repeating: Self.sentinel, count: M * ldc)
        for m in 0..<M {
            for n in 0..<N {
                var acc = 0.0
                for k in 0..<K { acc += Double(a.p[m * aRS + k * aCS]) * Double(b.p[k * bRS + n * bCS]) }
                let v = Float(acc) * alpha
                c[m * ldc + n] = ep.map {
                    $0.apply(v, channel: $0.axis == 0 ? m : n, residualIndex: m * $0.residualLD + n)
                } ?? v
            }
        }
        return c
    }

    /// Runs nnk_sgemm as `ntasks` sequential tasks.
    func run(_ ep: EpilogueCase?, prepacked: Bool, ntasks: Int) -> [Float] {
        let c = FloatBuffer(count: M * ldc, fill: Self.sentinel)
        let ws = FloatBuffer(count: Int(nnk_sgemm_workspace_floats(Int64(M), Int64(N), Int64(K))))
        var packed: FloatBuffer?
        if prepacked {
            let p = FloatBuffer(count: Int(nnk_sgemm_packed_b_floats(Int64(K), Int64(N))))
            nnk_sgemm_pack_b(Int64(K), Int64(N), b.p, Int64(bRS), Int64(bCS), p.p)
            packed = p
        }
        var epC = ep?.c ?? nnk_epilogue()
        if ep == nil { nnk_epilogue_init(&epC) }
        for task in 0..<ntasks {
            nnk_sgemm(Int64(M), Int64(N), Int64(K), alpha, a.p, Int64(aRS), Int64(aCS),
                      prepacked ? nil : b.p, Int64(bRS), Int64(bCS), packed?.p, c.p, Int64(ldc), &epC,
                      ws.p, Int64(task), Int64(ntasks))
        }
        return c.array
    }

    func epilogue(act: Int32, bias: Bool, residual: Bool, scale: Bool, shift: Bool, axis: Int32) -> EpilogueCase {
        EpilogueCase(act: act, bias: bias, residual: residual, scale: scale, shift: shift, axis: axis,
                     channels: axis == 0 ? M : N, residualCount: M * (N + 1), residualLD: N + 1)
    }
}

extension KernelTests {
    @Suite struct SGEMM {
        static let shapes: [(Int, Int, Int)] = [
            (1, 1, 1), (3, 5, 7), (6, 16, 8), (13, 17, 33), (17, 33, 5), (5, 13, 1), (33, 3, 17), (1, 40, 13),
            (12, 32, 4),
            // small M against packed B (the GEMV-like kernel): K not a multiple of its unrolling
            (1, 37, 301), (2, 20, 259), (4, 33, 70), (5, 16, 3),
            // the rows after the last full 6-row panel take it too (batch 8 -> 6 + 2)
            (8, 21, 40), (11, 35, 257),
        ]

        @Test func shapesLayoutsAndTaskSplits() {
            forEachVariant { isa in
                for (i, (M, N, K)) in Self.shapes.enumerated() {
                    for al in GemmProblem.Layout.allCases {
                        for bl in GemmProblem.Layout.allCases {
                            let g = GemmProblem(M: M, N: N, K: K, alpha: i % 2 == 0 ? 1 : -0.75, aLayout: al,
                                                bLayout: bl, seed: UInt64(i))
                            let want = g.expected(nil)
                            for prepacked in [false, true] {
                                let one = g.run(nil, prepacked: prepacked, ntasks: 1)
                                expectClose(one, want, "\(isa) \(M)x\(N)x\(K) A \(al) B \(bl) packed \(prepacked)")
                                for ntasks in [2, 3] {
                                    expectIdentical(g.run(nil, prepacked: prepacked, ntasks: ntasks), one,
                                                    "\(isa) \(M)x\(N)x\(K) ntasks \(ntasks)")
                                }
                            }
                        }
                    }
                }
            }
        }

        @Test func everyEpilogueOnBothAxes() {
            forEachVariant { isa in
                let g = GemmProblem(M: 7, N: 19, K: 11, alpha: 1.5, seed: 3)
                for axis: Int32 in [0, 1] {
                    for f in allEpilogueFlags() {
                        let ep = g.epilogue(act: f.act, bias: f.bias, residual: f.residual, scale: f.scale,
                                            shift: f.shift, axis: axis)
                        let got = g.run(ep, prepacked: axis == 1, ntasks: 2)
                        expectClose(got, g.expected(ep), rtol: 2e-4, atol: 2e-5, "\(isa) \(ep)")
                    }
                }
            }
        }

        /// The small-M kernel (M <= 5 with packed B) applies the epilogue on either axis like the 6x16 path.
        @Test func smallMEpilogues() {
            forEachVariant { isa in
                for M in [1, 2, 3, 5] {
                    let g = GemmProblem(M: M, N: 35, K: 23, alpha: -1.25, seed: UInt64(M))
                    for axis: Int32 in [0, 1] {
                        for f in allEpilogueFlags() where f.act != Int32(NNK_ACT_TANH) {
                            let ep = g.epilogue(act: f.act, bias: f.bias, residual: f.residual, scale: f.scale,
                                                shift: f.shift, axis: axis)
                            let got = g.run(ep, prepacked: true, ntasks: 2)
                            expectClose(got, g.expected(ep), rtol: 2e-4, atol: 2e-5, "\(isa) M \(M) \(ep)")
                        }
                    }
                }
            }
        }

        /// K beyond one K block (256), rows beyond one M block (144), columns beyond one N block (512).
        @Test func blockBoundaries() {
            forEachVariant { isa in
                for (M, N, K) in [(7, 17, 300), (5, 3, 600), (150, 5, 3), (2, 530, 3)] {
                    for bl in [GemmProblem.Layout.rowMajor, .transposed] {
                        let g = GemmProblem(M: M, N: N, K: K, alpha: 1, bLayout: bl, seed: 5)
                        let ep = g.epilogue(act: Int32(NNK_ACT_RELU), bias: true, residual: true, scale: false,
                                            shift: true, axis: 0)
                        // (packed B with M <= 5 takes the small-M kernel: its own summation order)
                        for prepacked in [false, true] {
                            let one = g.run(ep, prepacked: prepacked, ntasks: 1)
                            expectClose(one, g.expected(ep), rtol: 2e-4, atol: 1e-4, "\(isa) \(M)x\(N)x\(K)")
                            for ntasks in [2, 3] {
                                expectIdentical(g.run(ep, prepacked: prepacked, ntasks: ntasks), one,
                                                "\(isa) \(M)x\(N)x\(K) packed \(prepacked) tasks")
                            }
                        }
                    }
                }
            }
        }

        @Test func emptyKGivesEpilogueOfZero() {
            forEachVariant { isa in
                let g = GemmProblem(M: 4, N: 9, K: 0)
                let ep = g.epilogue(act: Int32(NNK_ACT_SIGMOID), bias: true, residual: false, scale: true,
                                    shift: false, axis: 1)
                expectClose(g.run(ep, prepacked: false, ntasks: 2), g.expected(ep), "\(isa) K=0")
            }
        }

        @Test func taskCounts() {
            #expect(nnk_sgemm_task_count(1, 1, 1, 2) == 1)
            #expect(nnk_sgemm_task_count(512, 512, 512, 2) == 2)
            #expect(nnk_sgemm_task_count(512, 512, 512, 1) == 1)
            #expect(nnk_sgemm_task_count(6, 16, 100_000, 4) == 1)   // one micro-tile cannot be split
        }
    }
}
