// Tasks of one GEMM / convolution run at the same time on different threads (one workspace each)
// give exactly the single-task result.
import CKernels
import Dispatch
import Testing

extension KernelTests {
    @Suite struct ConcurrentTasks {
        @Test func sgemmTasksInParallel() {
            let g = GemmProblem(M: 37, N: 90, K: 70, alpha: 0.5, bLayout: .transposed, seed: 21)
            let ep = g.epilogue(act: Int32(NNK_ACT_RELU), bias: true, residual: true, scale: false, shift: false, axis: 1)
            let want = g.run(ep, prepacked: false, ntasks: 1)
            let ntasks = 3
            let wsCount = Int(nnk_sgemm_workspace_floats(Int64(g.M), Int64(g.N), Int64(g.K)))
            let workspaces = (0..<ntasks).map { _ in FloatBuffer(count: wsCount) }
            let c = FloatBuffer(count: g.M * g.ldc, fill: GemmProblem.sentinel)
            var epC = ep.c
            withUnsafePointer(to: &epC) { epPtr in
                nonisolated(unsafe) let epP = epPtr
                nonisolated(unsafe) let (a, b, cp) = (g.a.p, g.b.p, c.p)
                nonisolated(unsafe) let ws = workspaces.map { $0.p }
                let (M, N, K, alpha, aRS, aCS, bRS, bCS, ldc) = (g.M, g.N, g.K, g.alpha, g.aRS, g.aCS, g.bRS, g.bCS, g.ldc)
                DispatchQueue.concurrentPerform(iterations: ntasks) { task in
                    nnk_sgemm(Int64(M), Int64(N), Int64(K), alpha, a, Int64(aRS), Int64(aCS), b, Int64(bRS),
                              Int64(bCS), nil, cp, Int64(ldc), epP, ws[task], Int64(task), Int64(ntasks))
                }
            }
            expectIdentical(c.array, want, "concurrent sgemm tasks")
        }

        @Test func convTasksInParallel() {
            for c in [ConvCase(n: 2, cin: 5, h: 9, w: 11, cout: 7, kh: 3, kw: 3, pads: (1, 1, 1, 1)),
                      ConvCase(cin: 6, h: 9, w: 20, cout: 6, kh: 3, kw: 3, stride: (2, 2), pads: (1, 1, 1, 1), groups: 6)] {
                let want = c.run(nil, ntasks: 1)
                var params = c.p
                let packed = FloatBuffer(count: Int(nnk_conv2d_packed_weights_floats(&params)))
                nnk_conv2d_pack_weights(&params, c.w.p, packed.p)
                let ntasks = 4
                let wsCount = Int(nnk_conv2d_workspace_floats(&params))
                let workspaces = (0..<ntasks).map { _ in FloatBuffer(count: wsCount) }
                let out = FloatBuffer(count: c.outCount, fill: 777)
                withUnsafePointer(to: &params) { pp in
                    nonisolated(unsafe) let p = pp
                    nonisolated(unsafe) let (x, pw, o) = (c.x.p, packed.p, out.p)
                    nonisolated(unsafe) let ws = workspaces.map { $0.p }
                    DispatchQueue.concurrentPerform(iterations: ntasks) { task in
                        nnk_conv2d(p, x, pw, o, nil, ws[task], Int64(task), Int64(ntasks))
                    }
                }
                expectIdentical(out.array, want, "concurrent conv tasks \(c)")
            }
        }
    }
}
