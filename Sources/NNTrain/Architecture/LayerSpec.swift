/// One layer of an architecture, as written in a SPEC string (see `ArchitectureSpec`).
public indirect enum LayerSpec: Sendable, Equatable, CustomStringConvertible {
    /// `convKxK-C[/sS][pP][gG]`: a K×K convolution to C channels with stride S, padding P, G groups.
    case conv(kernel: Int, channels: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1)
    /// `bn`: batch normalization (2-D on feature maps, 1-D on features).
    case batchNorm
    /// `relu`.
    case relu
    /// `lrelu[A]`: LeakyReLU with negative slope A (default 0.01).
    case leakyRelu(slope: Float)
    /// `dropoutP`: inverted dropout with drop probability P.
    case dropout(rate: Float)
    /// `fcN`: a fully connected layer with N outputs.
    case linear(features: Int)
    /// `maxpoolK[/sS][pP]`: max pooling, stride defaults to K.
    case maxPool(kernel: Int, stride: Int? = nil, padding: Int = 0)
    /// `avgpoolK[/sS][pP]`: average pooling (padding not counted), stride defaults to K.
    case avgPool(kernel: Int, stride: Int? = nil, padding: Int = 0)
    /// `gap`: global average pooling to (C, 1, 1).
    case globalAvgPool
    /// `flatten`.
    case flatten
    /// `res(BODY)` or `res(BODY|SHORTCUT)`: body(x) + x, or body(x) + shortcut(x).
    case residual(body: [LayerSpec], shortcut: [LayerSpec]?)

    /// The SPEC text of this layer (parsing it gives the same value back).
    public var description: String {
        switch self {
        case .conv(let k, let c, let s, let p, let g):
            return "conv\(k)x\(k)-\(c)" + (s != 1 ? "/s\(s)" : "") + (p != 0 ? "p\(p)" : "") + (g != 1 ? "g\(g)" : "")
        case .batchNorm: return "bn"
        case .relu: return "relu"
        case .leakyRelu(let a): return "lrelu\(Self.number(a))"
        case .dropout(let p): return "dropout\(Self.number(p))"
        case .linear(let n): return "fc\(n)"
        case .maxPool(let k, let s, let p): return "maxpool\(k)" + Self.poolSuffix(k, s, p)
        case .avgPool(let k, let s, let p): return "avgpool\(k)" + Self.poolSuffix(k, s, p)
        case .globalAvgPool: return "gap"
        case .flatten: return "flatten"
        case .residual(let body, let shortcut):
            return "res(" + ArchitectureSpec.text(body) + (shortcut.map { "|" + ArchitectureSpec.text($0) } ?? "") + ")"
        }
    }

    /// Whether the layer is an activation (for placement summaries).
    var isActivation: Bool {
        switch self {
        case .relu, .leakyRelu: return true
        default: return false
        }
    }

    private static func poolSuffix(_ k: Int, _ s: Int?, _ p: Int) -> String {
        (s.map { $0 != k ? "/s\($0)" : "" } ?? "") + (p != 0 ? "p\(p)" : "")
    }

    private static func number(_ v: Float) -> String {
        v == v.rounded() ? String(Int(v)) : String(v)
    }
}
