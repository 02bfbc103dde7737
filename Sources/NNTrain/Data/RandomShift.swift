/// Data augmentation: moves each image by a random whole-pixel offset in [−maxShift, maxShift]
/// both ways, filling the uncovered border with the value a black (0) pixel normalises to.
struct RandomShift {
    let maxShift: Int

    /// Shifts every image of `x` `(N, C, H, W)` in place, one offset per image.
    func apply(_ x: inout Activations, fill: [Float], rng: inout SeededGenerator) {
        guard maxShift > 0, x.shape.count == 4 else { return }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let span = UInt64(2 * maxShift + 1)
        var plane = [Float](repeating: 0, count: h * w)
        for i in 0..<n {                               // x is (N, C, H, W)
            let dy = Int(rng.next() % span) - maxShift, dx = Int(rng.next() % span) - maxShift
            if dx == 0 && dy == 0 { continue }
            for ch in 0..<c {
                let base = (i * c + ch) * h * w
                for y in 0..<h {
                    let sy = y - dy
                    for xx in 0..<w {
                        let sx = xx - dx
                        plane[y * w + xx] = sy >= 0 && sy < h && sx >= 0 && sx < w ? x.values[base + sy * w + sx] : fill[ch]
                    }
                }
                for j in 0..<(h * w) { x.values[base + j] = plane[j] }
            }
        }
    }
}
