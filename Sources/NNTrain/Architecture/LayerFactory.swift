/// Builds layer objects from `LayerSpec` values, threading shapes through, naming layers
/// `conv1, bn1, relu1, ...` and initialising weights from one seeded generator.
struct LayerFactory {
    private var counters: [String: Int] = [:]
    private var rng: SeededGenerator
    private let spec: String

    init(seed: UInt64, spec: String) {
        rng = SeededGenerator(seed: seed)
        self.spec = spec
    }

    private mutating func name(_ kind: String) -> String {
        let n = (counters[kind] ?? 0) + 1
        counters[kind] = n
        return "\(kind)\(n)"
    }

    /// Builds a chain of layers for per-sample `inputShape`.
    mutating func sequential(_ specs: [LayerSpec], inputShape: [Int], name: String) throws(TrainError) -> Sequential {
        var layers: [any Layer] = []
        var shape = inputShape
        for s in specs {
            let layer: any Layer
            do throws(TrainError) {
                layer = try make(s, inputShape: shape)
            } catch {
                if case .invalidArgument(let detail) = error { throw .invalidSpec(spec: spec, detail: "\(s): \(detail)") }
                throw error
            }
            layers.append(layer)
            shape = layer.outputShape
        }
        return try Sequential(name: name, inputShape: inputShape, layers: layers)
    }

    private mutating func make(_ s: LayerSpec, inputShape shape: [Int]) throws(TrainError) -> any Layer {
        switch s {
        case .conv(let k, let c, let stride, let p, let g):
            return try Conv2d(name: name("conv"), inputShape: shape, outChannels: c, kernel: k, stride: stride, padding: p, groups: g, rng: &rng)
        case .batchNorm:
            return try BatchNorm(name: name("bn"), inputShape: shape)
        case .relu:
            return Rectifier(name: name("relu"), inputShape: shape)
        case .leakyRelu(let a):
            return Rectifier(name: name("lrelu"), inputShape: shape, slope: a)
        case .dropout(let p):
            let n = name("dropout")
            return try Dropout(name: n, inputShape: shape, rate: p, rng: rng.derived(UInt64(counters["dropout"] ?? 0)))
        case .linear(let f):
            return try Linear(name: name("fc"), inputShape: shape, outFeatures: f, rng: &rng)
        case .maxPool(let k, let stride, let p):
            return try MaxPool2d(name: name("maxpool"), inputShape: shape, kernel: k, stride: stride, padding: p)
        case .avgPool(let k, let stride, let p):
            return try AvgPool2d(name: name("avgpool"), inputShape: shape, kernel: k, stride: stride, padding: p)
        case .globalAvgPool:
            return try GlobalAvgPool(name: name("gap"), inputShape: shape)
        case .flatten:
            return Flatten(name: name("flatten"), inputShape: shape)
        case .residual(let body, let shortcut):
            let n = name("res")
            let b = try sequential(body, inputShape: shape, name: "\(n).body")
            let sc = try shortcut.map { (specs: [LayerSpec]) throws(TrainError) in try sequential(specs, inputShape: shape, name: "\(n).shortcut") }
            return try Residual(name: n, body: b, shortcut: sc)
        }
    }
}
