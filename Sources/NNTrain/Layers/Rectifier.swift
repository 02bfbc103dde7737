import CKernels
import NNFormat

/// ReLU (`slope == 0`) or LeakyReLU (`y = x` for x > 0, `slope·x` otherwise), elementwise.
public final class Rectifier: Layer {
    public let name: String
    public let inputShape: [Int]
    public var outputShape: [Int] { inputShape }
    /// The slope for negative inputs; 0 is plain ReLU (exported as Relu), anything else LeakyRelu.
    public let slope: Float
    private var input: [Float] = []

    /// Creates a ReLU (`slope: 0`) or a LeakyReLU.
    public init(name: String, inputShape: [Int], slope: Float = 0) {
        self.name = name
        self.inputShape = inputShape
        self.slope = slope
    }

    public func forward(_ x: Activations, mode: Mode, context: ComputeContext) -> Activations {
        if mode == .train { input = x.values }
        let count = x.values.count
        let chunks = Self.chunks(count, context)
        let (act, a) = slope == 0 ? (Int32(NNK_ACT_RELU), Float(0)) : (Int32(NNK_ACT_LEAKY_RELU), slope)
        var y = [Float](repeating: 0, count: count)
        x.values.withPointer { xp in
            y.withMutablePointer { yp in
                let (src, dst) = (UncheckedBox(xp), UncheckedBox(yp))
                context.parallelFor(chunks) { t in          // x is (N, ...) flat, split in equal chunks
                    let lo = count * t / chunks, hi = count * (t + 1) / chunks
                    nnk_activation(act, a, 0, src.value + lo, dst.value + lo, Int64(hi - lo))
                }
            }
        }
        return Activations(shape: x.shape, values: y)
    }

    public func backward(_ dy: Activations, inputGradient: Bool, context: ComputeContext) -> Activations {
        guard inputGradient else { return .none }
        let count = dy.values.count, chunks = Self.chunks(count, context), a = slope
        var dx = [Float](repeating: 0, count: count)
        input.withPointer { xp in
            dy.values.withPointer { gp in
                dx.withMutablePointer { dp in
                    let (x, g, d) = (UncheckedBox(xp), UncheckedBox(gp), UncheckedBox(dp))
                    context.parallelFor(chunks) { t in
                        let lo = count * t / chunks, hi = count * (t + 1) / chunks
                        nnk_rectifier_backward(x.value + lo, g.value + lo, d.value + lo, Int64(hi - lo), a)
                    }
                }
            }
        }
        return Activations(shape: dy.shape, values: dx)
    }

    /// Splits only large tensors: a thread hand-off costs a few microseconds.
    static func chunks(_ count: Int, _ context: ComputeContext) -> Int {
        count >= 1 << 16 ? context.threads : 1
    }

    public func export(to builder: inout NetworkBuilder) throws(FormatError) {
        if slope == 0 { builder.relu() } else { builder.leakyRelu(alpha: slope) }
    }
}
