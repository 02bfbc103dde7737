/// A growable float buffer a layer keeps between steps, so hot loops allocate nothing once warm.
final class Scratch {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    init() {
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        capacity = 1
    }

    deinit { pointer.deallocate() }

    /// At least `count` floats (contents undefined after growing).
    func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            capacity = count
        }
        return pointer
    }
}

/// Layout helpers shared by layers.
enum Layout {
    /// Copies src (a, b, inner) into dst (b, a, inner): swaps the two outer axes.
    static func swapOuter(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, a: Int, b: Int, inner: Int) {
        for i in 0..<a {                     // src is (a, b, inner)
            for j in 0..<b {
                (dst + (j * a + i) * inner).update(from: src + (i * b + j) * inner, count: inner)
            }
        }
    }

    /// `swapOuter` spread over the threads (by rows of the destination) when the tensor is large.
    static func swapOuter(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, a: Int, b: Int, inner: Int, context: ComputeContext) {
        guard a * b * inner >= 1 << 16, context.threads > 1 else { return swapOuter(src, dst, a: a, b: b, inner: inner) }
        let (s, d) = (UncheckedBox(src), UncheckedBox(dst))
        context.parallelFor(b) { j in             // destination row j is (a, inner)
            for i in 0..<a { (d.value + (j * a + i) * inner).update(from: s.value + (i * b + j) * inner, count: inner) }
        }
    }

    /// He (Kaiming) normal initialisation for a ReLU network: N(0, 2 / fanIn).
    static func heNormal(count: Int, fanIn: Int, rng: inout SeededGenerator) -> [Float] {
        let std = (2.0 / Double(max(fanIn, 1))).squareRoot()
        return (0..<count).map { _ in Float(rng.nextGaussian() * std) }
    }
}
