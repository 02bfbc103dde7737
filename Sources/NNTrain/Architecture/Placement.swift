/// Where BatchNorm and Dropout sit relative to their neighbours, for the training record and the
/// placement study: `before relu ×2; after fc`.
public enum Placement {
    /// Summaries of the BatchNorm and the Dropout layers of an architecture (`none` when absent).
    public static func describe(_ specs: [LayerSpec]) -> (batchNorm: String, dropout: String) {
        var bn: [String] = [], dropout: [String] = []
        collect(specs, &bn, &dropout)
        return (group(bn), group(dropout))
    }

    private static func kind(_ s: LayerSpec) -> String {
        switch s {
        case .conv: return "conv"
        case .linear: return "fc"
        case .relu: return "relu"
        case .leakyRelu: return "lrelu"
        case .maxPool: return "maxpool"
        case .avgPool: return "avgpool"
        case .globalAvgPool: return "gap"
        case .flatten: return "flatten"
        case .batchNorm: return "bn"
        case .dropout: return "dropout"
        case .residual: return "res"
        }
    }

    private static func position(_ specs: [LayerSpec], _ i: Int) -> String {
        let prev = i > 0 ? specs[i - 1] : nil, next = i + 1 < specs.count ? specs[i + 1] : nil
        if let next, next.isActivation { return "before \(kind(next))" }
        if let prev, prev.isActivation { return "after \(kind(prev))" }
        if let prev { return "after \(kind(prev))" }
        return "at the block input"
    }

    private static func collect(_ specs: [LayerSpec], _ bn: inout [String], _ dropout: inout [String]) {
        for (i, s) in specs.enumerated() {
            switch s {
            case .batchNorm: bn.append(position(specs, i))
            case .dropout: dropout.append("\(s) \(position(specs, i))")
            case .residual(let body, let shortcut):
                collect(body, &bn, &dropout)
                collect(shortcut ?? [], &bn, &dropout)
            default: break
            }
        }
    }

    /// "a, a, b" → "a ×2; b", keeping first-seen order.
    private static func group(_ items: [String]) -> String {
        guard !items.isEmpty else { return "none" }
        var order: [String] = [], counts: [String: Int] = [:]
        for item in items {
            if counts[item] == nil { order.append(item) }
            counts[item, default: 0] += 1
        }
        return order.map { counts[$0, default: 1] > 1 ? "\($0) ×\(counts[$0, default: 1])" : $0 }.joined(separator: "; ")
    }
}
