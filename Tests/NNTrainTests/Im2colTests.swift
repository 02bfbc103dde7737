import CKernels
import Testing

/// nnk_im2col and nnk_col2im_add against a naive reference on awkward geometries.
@Suite struct Im2colTests {
    @Test(arguments: [(3, 5, 7, 3, 1, 0), (2, 6, 5, 3, 2, 1), (1, 4, 4, 1, 1, 0), (3, 7, 6, 5, 3, 2)])
    func matchesNaiveIm2colAndAdjoint(_ g: (c: Int, h: Int, w: Int, k: Int, s: Int, p: Int)) {
        let oh = (g.h + 2 * g.p - g.k) / g.s + 1, ow = (g.w + 2 * g.p - g.k) / g.s + 1
        var params = nnk_conv2d_params(N: 1, C_in: Int64(g.c), H: Int64(g.h), W: Int64(g.w), C_out: 1, KH: Int64(g.k), KW: Int64(g.k),
                                       stride_h: Int64(g.s), stride_w: Int64(g.s), dil_h: 1, dil_w: 1, pad_top: Int64(g.p), pad_left: Int64(g.p),
                                       pad_bottom: Int64(g.p), pad_right: Int64(g.p), groups: 1, OH: Int64(oh), OW: Int64(ow), no_winograd: 1)
        let input = (0..<(g.c * g.h * g.w)).map { Float($0 % 13) - 6 }
        let ld = oh * ow + 3                        // a wider row stride, as a batch uses
        let rows = g.c * g.k * g.k
        var cols = [Float](repeating: .nan, count: rows * ld)
        nnk_im2col(&params, input, &cols, Int64(ld))
        var adjoint = [Float](repeating: 0, count: input.count)
        let weights = (0..<(rows * ld)).map { Float($0 % 7) - 3 }
        var expectedAdjoint = [Float](repeating: 0, count: input.count)
        for ci in 0..<g.c {                         // naive: row (ci, kh, kw), column (oh, ow)
            for kh in 0..<g.k {
                for kw in 0..<g.k {
                    let r = (ci * g.k + kh) * g.k + kw
                    for y in 0..<oh {
                        for x in 0..<ow {
                            let ih = y * g.s - g.p + kh, iw = x * g.s - g.p + kw
                            let inside = ih >= 0 && ih < g.h && iw >= 0 && iw < g.w
                            let want = inside ? input[(ci * g.h + ih) * g.w + iw] : 0
                            #expect(cols[r * ld + y * ow + x] == want)
                            if inside { expectedAdjoint[(ci * g.h + ih) * g.w + iw] += weights[r * ld + y * ow + x] }
                        }
                    }
                }
            }
        }
        nnk_col2im_add(&params, weights, Int64(ld), &adjoint)
        #expect(adjoint == expectedAdjoint)
    }

    @Test func rectifierBackward() {
        let x: [Float] = [-2, -0.5, 0, 0.5, 3]
        let dy: [Float] = [1, 2, 3, 4, 5]
        var dx = [Float](repeating: 0, count: 5)
        nnk_rectifier_backward(x, dy, &dx, 5, 0.1)
        #expect(dx == [0.1, 0.2, 0.3, 4, 5].map { Float($0) })
    }
}
