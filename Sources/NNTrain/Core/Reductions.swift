/// Float reductions in a fixed order with eight independent accumulators, so the compiler can
/// vectorise them (a single running sum cannot be reordered) and results stay deterministic.
enum Reductions {
    /// Σ x[j].
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
        var a = SIMD8<Float>(repeating: 0)
        var j = 0
        while j + 8 <= count {
            a += UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self)
            j += 8
        }
        var t = a.sum()
        while j < count { t += x[j]; j += 1 }
        return t
    }

    /// Σ x[j]·y[j].
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ count: Int) -> Float {
        var a = SIMD8<Float>(repeating: 0)
        var j = 0
        while j + 8 <= count {
            a += UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(y + j).loadUnaligned(as: SIMD8<Float>.self)
            j += 8
        }
        var t = a.sum()
        while j < count { t += x[j] * y[j]; j += 1 }
        return t
    }

    /// Σ (x[j] − m)².
    @inline(__always)
    static func centeredSquares(_ x: UnsafePointer<Float>, _ count: Int, mean m: Float) -> Float {
        var a = SIMD8<Float>(repeating: 0)
        let mv = SIMD8<Float>(repeating: m)
        var j = 0
        while j + 8 <= count {
            let d = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self) - mv
            a += d * d
            j += 8
        }
        var t = a.sum()
        while j < count { let d = x[j] - m; t += d * d; j += 1 }
        return t
    }
}
