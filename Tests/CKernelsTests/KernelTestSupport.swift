// The shared harness: deterministic data, owned float buffers, the epilogue in plain Swift, a
// tolerant comparison, and `forEachVariant`, which runs a check once per kernel variant.
import CKernels
import Foundation
import Testing

/// Every kernel test lives inside this suite: `nnk_set_force_reference` is process-wide, so the
/// tests that flip it must not run in parallel with each other.
@Suite(.serialized) struct KernelTests {}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct TestRNG {
    private var state: UInt64
    init(_ seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
    /// Uniform in [lo, hi).
    mutating func float(_ lo: Float = -1, _ hi: Float = 1) -> Float {
        lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24)
    }
    mutating func floats(_ n: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] {
        (0..<n).map { _ in float(lo, hi) }
    }
}

/// A heap float buffer with a stable address for the C API (freed with the object).
final class FloatBuffer {
    let count: Int
    let p: UnsafeMutablePointer<Float>
    init(count: Int, fill: Float = 0) {
        self.count = count
        p = .allocate(capacity: max(count, 1))
        p.initialize(repeating: fill, count: max(count, 1))
    }
    convenience init(_ values: [Float]) {
        self.init(count: values.count)
        for (i, v) in values.enumerated() { p[i] = v }
    }
    deinit { p.deallocate() }
    var array: [Float] { Array(UnsafeBufferPointer(start: p, count: count)) }
}

/// The variants: the best one for this CPU, the AVX2 one where that is not the best (CPUs with
/// AVX-512), then the portable one. Restores the default after.
func forEachVariant(_ body: (String) throws -> Void) rethrows {
    defer { nnk_set_force_reference(0) }
    var seen: Set<String> = []
    for level: Int32 in [0, 2, 1] {
        nnk_set_force_reference(level)
        let name = String(cString: nnk_isa_name())
        if seen.insert(name).inserted { try body(name) }
    }
}

/// Checks |got - want| <= atol + rtol*|want| element by element; reports the first failure only.
func expectClose(_ got: [Float], _ want: [Float], rtol: Float = 1e-4, atol: Float = 1e-5,
                 _ what: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.count == want.count, "\(what()): count", sourceLocation: sourceLocation)
    for i in 0..<min(got.count, want.count) {
        let g = got[i], w = want[i]
        if g == w || abs(g - w) <= atol + rtol * abs(w) { continue }
        Issue.record("\(what()): element \(i) is \(g), expected \(w)", sourceLocation: sourceLocation)
        return
    }
}

/// Bitwise equality of two results (the task split must not change a single bit).
func expectIdentical(_ a: [Float], _ b: [Float], _ what: @autoclosure () -> String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
    let same = a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
    #expect(same, "\(what())", sourceLocation: sourceLocation)
}

/// The activation in plain Swift (libm), the definition the kernels are held to.
func referenceActivation(_ act: Int32, _ alpha: Float, _ beta: Float, _ y: Float) -> Float {
    switch act {
    case Int32(NNK_ACT_RELU): return max(y, 0)
    case Int32(NNK_ACT_LEAKY_RELU): return y < 0 ? alpha * y : y
    case Int32(NNK_ACT_CLIP): return min(max(y, alpha), beta)
    case Int32(NNK_ACT_SIGMOID): return Float(1 / (1 + exp(-Double(y))))
    case Int32(NNK_ACT_TANH): return Float(tanh(Double(y)))
    default: return y
    }
}

/// One epilogue configuration, with its buffers, for outputs of `rows` x `cols` (channel along `axis`).
final class EpilogueCase: CustomStringConvertible {
    let act: Int32, alpha: Float, beta: Float, axis: Int32
    let bias, residual, scale, shift: FloatBuffer?
    let residualLD: Int

    init(act: Int32 = Int32(NNK_ACT_NONE), bias: Bool = false, residual: Bool = false,
         scale: Bool = false, shift: Bool = false, axis: Int32 = 0, channels: Int,
         residualCount: Int = 0, residualLD: Int = 0, seed: UInt64 = 7) {
        var rng = TestRNG(seed)
        self.act = act
        self.axis = axis
        alpha = act == Int32(NNK_ACT_CLIP) ? -0.3 : 0.1
        beta = 0.4
        self.bias = bias ? FloatBuffer(rng.floats(channels)) : nil
        self.residual = residual ? FloatBuffer(rng.floats(residualCount)) : nil
        self.scale = scale ? FloatBuffer(rng.floats(channels, 0.5, 1.5)) : nil
        self.shift = shift ? FloatBuffer(rng.floats(channels)) : nil
        self.residualLD = residualLD
    }

    var c: nnk_epilogue {
        var ep = nnk_epilogue()
        nnk_epilogue_init(&ep)
        ep.bias = UnsafePointer(bias?.p)
        ep.residual = UnsafePointer(residual?.p)
        ep.residual_ld = Int64(residualLD)
        ep.activation = act
        ep.act_alpha = alpha
        ep.act_beta = beta
        ep.post_scale = UnsafePointer(scale?.p)
        ep.post_shift = UnsafePointer(shift?.p)
        ep.channel_axis = axis
        return ep
    }

    /// y = act(acc + bias[c] + residual[r]) * scale[c] + shift[c]
    func apply(_ acc: Float, channel c: Int, residualIndex r: Int) -> Float {
        var y = acc
        if let bias { y += bias.p[c] }
        if let residual { y += residual.p[r] }
        y = referenceActivation(act, alpha, beta, y)
        if let scale { y *= scale.p[c] }
        if let shift { y += shift.p[c] }
        return y
    }

    var description: String {
        "act \(act) axis \(axis) bias \(bias != nil) res \(residual != nil) scale \(scale != nil) shift \(shift != nil)"
    }
}

/// Every combination of the epilogue parts (activations x bias x residual x post scale/shift).
func allEpilogueFlags() -> [(act: Int32, bias: Bool, residual: Bool, scale: Bool, shift: Bool)] {
    var out: [(Int32, Bool, Bool, Bool, Bool)] = []
    for act in Int32(NNK_ACT_NONE)...Int32(NNK_ACT_TANH) {
        for bits in 0..<16 {
            out.append((act, bits & 1 != 0, bits & 2 != 0, bits & 4 != 0, bits & 8 != 0))
        }
    }
    return out
}
