// Pooling (max / average, 1-D to 3-D, vector 2-D path and generic path) and global pooling against a
// naive loop written here.
import CKernels
import Testing

/// Pooling parameters in Swift, with the output shape from the caller's point of view.
struct PoolCase: CustomStringConvertible {
    let inShape, kernel, strides, dilations, pads: [Int]
    var outShape: [Int]
    let includePad: Bool

    init(_ inShape: [Int], kernel: [Int], strides: [Int], dilations: [Int]? = nil, pads: [Int]? = nil,
         includePad: Bool = false, ceil: Bool = false) {
        let nd = inShape.count
        self.inShape = inShape; self.kernel = kernel; self.strides = strides
        self.dilations = dilations ?? [Int](repeating: 1, count: nd)
        self.pads = pads ?? [Int](repeating: 0, count: 2 * nd)
        self.includePad = includePad
        var out: [Int] = []
        for d in 0..<nd {
            let span = self.dilations[d] * (kernel[d] - 1) + 1
            let room = inShape[d] + self.pads[d] + self.pads[nd + d] - span
            out.append((ceil ? (room + strides[d] - 1) : room) / strides[d] + 1)
        }
        outShape = out
    }

    var c: nnk_pool_params {
        var p = nnk_pool_params()
        p.ndims = Int32(inShape.count)
        withUnsafeMutableBytes(of: &p.in_shape) { b in for (i, v) in inShape.enumerated() { b.storeBytes(of: Int64(v), toByteOffset: 8 * i, as: Int64.self) } }
        withUnsafeMutableBytes(of: &p.out_shape) { b in for (i, v) in outShape.enumerated() { b.storeBytes(of: Int64(v), toByteOffset: 8 * i, as: Int64.self) } }
        withUnsafeMutableBytes(of: &p.kernel) { b in for (i, v) in kernel.enumerated() { b.storeBytes(of: Int64(v), toByteOffset: 8 * i, as: Int64.self) } }
        withUnsafeMutableBytes(of: &p.strides) { b in for (i, v) in strides.enumerated() { b.storeBytes(of: Int64(v), toByteOffset: 8 * i, as: Int64.self) } }
        withUnsafeMutableBytes(of: &p.dilations) { b in for (i, v) in dilations.enumerated() { b.storeBytes(of: Int64(v), toByteOffset: 8 * i, as: Int64.self) } }
        withUnsafeMutableBytes(of: &p.pads) { b in for (i, v) in pads.enumerated() { b.storeBytes(of: Int64(v), toByteOffset: 8 * i, as: Int64.self) } }
        p.count_include_pad = includePad ? 1 : 0
        return p
    }

    /// One plane, naively: taps inside the input are pooled; the average divides by the taps inside
    /// the input, or with includePad by the taps inside the padded input.
    func naive(_ x: ArraySlice<Float>, average: Bool) -> [Float] {
        let nd = inShape.count, base = x.startIndex
        let outSize = outShape.reduce(1, *), kSize = kernel.reduce(1, *)
        var out: [Float] = []
        for o in 0..<outSize {
            var oi = [Int](repeating: 0, count: nd), r = o
            for d in stride(from: nd - 1, through: 0, by: -1) { oi[d] = r % outShape[d]; r /= outShape[d] }
            var mx = -Float.infinity, sum: Float = 0, inside = 0, padded = 0
            for t in 0..<kSize {
                var ti = [Int](repeating: 0, count: nd), q = t
                for d in stride(from: nd - 1, through: 0, by: -1) { ti[d] = q % kernel[d]; q /= kernel[d] }
                var flat = 0, isIn = true, isPadded = true
                for d in 0..<nd {
                    let pos = oi[d] * strides[d] - pads[d] + ti[d] * dilations[d]
                    if pos < -pads[d] || pos >= inShape[d] + pads[nd + d] { isPadded = false }
                    if pos < 0 || pos >= inShape[d] { isIn = false }
                    flat = flat * inShape[d] + min(max(pos, 0), inShape[d] - 1)
                }
                if isPadded { padded += 1 }
                if isIn { inside += 1; sum += x[base + flat]; mx = max(mx, x[base + flat]) }
            }
            let count = includePad ? padded : inside
            out.append(average ? (count > 0 ? sum / Float(count) : 0) : mx)
        }
        return out
    }

    var description: String { "in \(inShape) k \(kernel) s \(strides) d \(dilations) pads \(pads) incl \(includePad)" }
}

extension KernelTests {
    @Suite struct Pooling {
        static func cases() -> [PoolCase] { [
            PoolCase([9, 40], kernel: [2, 2], strides: [2, 2]),
            // 2x2 stride 2 without padding (its own AVX2 path): rows of 4, 12 and 1 outputs, odd sizes
            PoolCase([8, 8], kernel: [2, 2], strides: [2, 2]),
            PoolCase([24, 24], kernel: [2, 2], strides: [2, 2]),
            PoolCase([5, 3], kernel: [2, 2], strides: [2, 2]),
            PoolCase([7, 7], kernel: [2, 2], strides: [2, 2], ceil: true),
            PoolCase([11, 37], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1]),
            // 3x3 stride 2 (its own AVX2 path): ResNet's, unpadded, padded 2 on some sides, a window
            // wholly in the padding (ceil mode)
            PoolCase([16, 112], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1]),
            PoolCase([6, 50], kernel: [3, 3], strides: [2, 2]),
            PoolCase([6, 50], kernel: [3, 3], strides: [2, 2], pads: [0, 2, 2, 0]),
            PoolCase([4, 4], kernel: [3, 3], strides: [2, 2], pads: [2, 2, 2, 2], ceil: true),
            PoolCase([8, 30], kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1]),
            PoolCase([8, 30], kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], includePad: true),
            PoolCase([7, 45], kernel: [2, 3], strides: [1, 2], pads: [0, 1, 2, 0], includePad: true),
            PoolCase([7, 7], kernel: [3, 3], strides: [2, 2], ceil: true),
            PoolCase([7, 7], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 0, 0], includePad: true, ceil: true),
            PoolCase([3, 5], kernel: [3, 3], strides: [3, 3], pads: [2, 2, 2, 2]),
            PoolCase([9, 26], kernel: [3, 3], strides: [1, 3], pads: [1, 1, 1, 1]),
            PoolCase([10, 33], kernel: [3, 2], strides: [2, 1], dilations: [2, 2], pads: [1, 0, 0, 1]),
            PoolCase([13], kernel: [3], strides: [2], pads: [1, 1]),
            PoolCase([17], kernel: [4], strides: [1], dilations: [2], pads: [0, 3], includePad: true),
            PoolCase([4, 5, 6], kernel: [2, 2, 3], strides: [2, 1, 2], pads: [0, 1, 1, 1, 0, 0]),
            PoolCase([3, 4, 5], kernel: [2, 3, 2], strides: [1, 1, 1], pads: [1, 1, 0, 0, 1, 1], includePad: true),
        ] }

        @Test func maxAndAverageMatchNaive() {
            forEachVariant { isa in
                for (ci, c) in Self.cases().enumerated() {
                    let planes = 4, inSize = c.inShape.reduce(1, *), outSize = c.outShape.reduce(1, *)
                    var rng = TestRNG(UInt64(ci))
                    let x = FloatBuffer(rng.floats(planes * inSize))
                    var p = c.c
                    for average in [false, true] {
                        let out = FloatBuffer(count: planes * outSize, fill: 777)
                        // planes [1, 3): the others keep the sentinel
                        if average { nnk_avgpool(&p, x.p, out.p, 1, 3) } else { nnk_maxpool(&p, x.p, out.p, 1, 3) }
                        var want = [Float](repeating: 777, count: planes * outSize)
                        let xs = x.array
                        for pl in 1..<3 {
                            let plane = c.naive(xs[(pl * inSize)..<((pl + 1) * inSize)], average: average)
                            want.replaceSubrange((pl * outSize)..<((pl + 1) * outSize), with: plane)
                        }
                        expectClose(out.array, want, rtol: 1e-5, atol: 1e-6, "\(isa) \(average ? "avg" : "max") \(c)")
                    }
                }
            }
        }

        /// A NaN in a window makes that output NaN in every variant (as PyTorch and numpy's max do),
        /// in the vector body, at the edges and in global pooling.
        @Test func maxPoolPropagatesNaN() {
            forEachVariant { isa in
                for c in [PoolCase([9, 40], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1]),
                          PoolCase([9, 40], kernel: [2, 2], strides: [2, 2])] {
                var p = c.c
                let inSize = c.inShape.reduce(1, *), outSize = c.outShape.reduce(1, *)
                for position in [0, 17, 40 + 20, 4 * 40 + 39, 7 * 40 + 33] {
                    var rng = TestRNG(UInt64(position))
                    var xs = rng.floats(inSize)
                    // The windows holding the NaN are those where an infinity there would win.
                    xs[position] = .infinity
                    let want = c.naive(xs[...], average: false).map { $0.isInfinite ? Float.nan : $0 }
                    xs[position] = .nan
                    let x = FloatBuffer(xs), out = FloatBuffer(count: outSize)
                    nnk_maxpool(&p, x.p, out.p, 0, 1)
                    let same = zip(out.array, want).allSatisfy { $0.isNaN == $1.isNaN && ($0.isNaN || $0 == $1) }
                    #expect(same && want.contains { $0.isNaN }, "\(isa) \(c) NaN at \(position)")
                }
                }
                for size in [5, 8, 16, 33] {
                    for position in [0, size / 2, size - 1] {
                        var rng = TestRNG(UInt64(size))
                        var xs = rng.floats(size)
                        xs[position] = .nan
                        var mx: [Float] = [0]
                        nnk_global_maxpool(1, Int64(size), xs, &mx)
                        #expect(mx[0].isNaN, "\(isa) global max of \(size) with NaN at \(position)")
                    }
                }
            }
        }

        @Test func globalPoolsMatchNaive() {
            forEachVariant { isa in
                for size in [1, 7, 8, 33, 100] {
                    var rng = TestRNG(UInt64(size))
                    let x = rng.floats(3 * size)
                    var mean = [Float](repeating: 0, count: 3), mx = [Float](repeating: 0, count: 3)
                    nnk_global_avgpool(3, Int64(size), x, &mean)
                    nnk_global_maxpool(3, Int64(size), x, &mx)
                    let wantMean = (0..<3).map { p in Float(x[(p * size)..<((p + 1) * size)].reduce(0.0) { $0 + Double($1) } / Double(size)) }
                    let wantMax = (0..<3).map { p in x[(p * size)..<((p + 1) * size)].max()! }
                    expectClose(mean, wantMean, rtol: 1e-5, atol: 1e-6, "\(isa) global avg \(size)")
                    expectIdentical(mx, wantMax, "\(isa) global max \(size)")
                }
            }
        }
    }
}
