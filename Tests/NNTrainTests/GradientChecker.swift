import Testing
@testable import NNTrain

/// Finite-difference checks of a layer's backward pass: the scalar loss is `Σ y·r` for fixed random
/// `r`, its gradient by central differences (accumulated in Double) is compared with the layer's.
struct GradientChecker {
    var epsilon: Float = 1e-2
    var absoluteTolerance: Double = 2e-3
    var relativeTolerance: Double = 2e-2

    /// Random values in ±[0.1, 1.1): away from ReLU's kink and max-pool ties.
    static func input(_ shape: [Int], seed: UInt64) -> Activations {
        var rng = SeededGenerator(seed: seed)
        let values = (0..<shape.reduce(1, *)).map { _ -> Float in
            let m = 0.1 + rng.nextUnitFloat()
            return rng.next() & 1 == 0 ? m : -m
        }
        return Activations(shape: shape, values: values)
    }

    /// Checks input and parameter gradients. `make` builds the layer; it is called once when
    /// `fresh` is false, and for every evaluation when true (Dropout: the same mask every time).
    func check(_ name: String, input x: Activations, fresh: Bool = false, make: () throws -> any Layer) throws {
        let context = ComputeContext(threads: 1)
        let layer = try make()
        let yShape = [x.batch] + layer.outputShape
        let r = Self.input(yShape, seed: 99).values
        func loss(_ l: any Layer, _ input: Activations) -> Double {
            let y = l.forward(input, mode: .train, context: context)
            return zip(y.values, r).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        _ = layer.forward(x, mode: .train, context: context)
        for p in layer.parameters { p.zeroGradient() }
        let dx = layer.backward(Activations(shape: yShape, values: r), inputGradient: true, context: context)
        #expect(dx.shape == x.shape, "\(name): input gradient shape")
        // Input gradient.
        for i in 0..<x.values.count {
            var plus = x, minus = x
            plus.values[i] += epsilon
            minus.values[i] -= epsilon
            let target = fresh ? try make() : layer
            let lp = loss(target, plus)
            let lm = loss(fresh ? try make() : layer, minus)
            compare(name, "input[\(i)]", numeric: (lp - lm) / Double(2 * epsilon), analytic: Double(dx.values[i]))
        }
        // Parameter gradients.
        for p in layer.parameters {
            for i in 0..<p.count {
                let saved = p.value[i]
                p.value[i] = saved + epsilon
                let lp = loss(layer, x)
                p.value[i] = saved - epsilon
                let lm = loss(layer, x)
                p.value[i] = saved
                compare(name, "\(p.name)[\(i)]", numeric: (lp - lm) / Double(2 * epsilon), analytic: Double(p.gradient[i]))
            }
        }
    }

    func compare(_ name: String, _ what: String, numeric: Double, analytic: Double) {
        let ok = abs(numeric - analytic) <= absoluteTolerance + relativeTolerance * max(abs(numeric), abs(analytic))
        #expect(ok, "\(name) \(what): finite difference \(numeric), backward \(analytic)")
    }
}
