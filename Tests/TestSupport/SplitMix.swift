/// Deterministic pseudo-random numbers for test data (SplitMix64), shared by the test targets.
public struct SplitMix: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(_ seed: UInt64) { state = seed }
    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `n` floats uniform in `range`.
    public mutating func floats(_ n: Int, _ range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<n).map { _ in Float.random(in: range, using: &self) }
    }

    /// One of `options`, uniformly.
    public mutating func pick<T>(_ options: [T]) -> T { options[Int.random(in: 0..<options.count, using: &self)] }
}
