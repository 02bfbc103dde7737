import Foundation

/// Turning one image's output row into the top-k classes.
enum Scores {
    /// Whether the row already is a probability distribution: every value in [0, 1] and a sum
    /// within 1e-3 of 1.
    static func isDistribution<C: Collection>(_ row: C) -> Bool where C.Element == Float {
        var sum = 0.0
        for v in row {
            guard v >= -1e-6, v <= 1 + 1e-6 else { return false }
            sum += Double(v)
        }
        return abs(sum - 1) <= 1e-3
    }

    /// Softmax in double precision, stable for large logits.
    static func softmax<C: Collection>(_ row: C) -> [Float] where C.Element == Float {
        guard let maxValue = row.max() else { return [] }
        let exps = row.map { exp(Double($0) - Double(maxValue)) }
        let sum = exps.reduce(0, +)
        return exps.map { Float($0 / sum) }
    }

    /// The `k` largest values with their indices, largest first; ties keep the lower index first
    /// and NaN sorts last.
    static func top(_ row: [Float], k: Int) -> [(index: Int, value: Float)] {
        let k = min(max(k, 0), row.count)
        guard k > 0 else { return [] }
        func before(_ a: (index: Int, value: Float), _ b: (index: Int, value: Float)) -> Bool {
            if a.value.isNaN != b.value.isNaN { return b.value.isNaN }
            if a.value != b.value, !a.value.isNaN { return a.value > b.value }
            return a.index < b.index
        }
        // A small sorted buffer beats sorting 1000 classes for k = 5.
        var best: [(index: Int, value: Float)] = []
        best.reserveCapacity(k + 1)
        for (i, v) in row.enumerated() {
            let candidate = (index: i, value: v)
            if best.count == k, let last = best.last, !before(candidate, last) { continue }
            let at = best.firstIndex { before(candidate, $0) } ?? best.count
            best.insert(candidate, at: at)
            if best.count > k { best.removeLast() }
        }
        return best
    }
}
