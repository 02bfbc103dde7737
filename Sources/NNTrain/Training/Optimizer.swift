/// Updates parameters from their gradients, one step at a time.
public protocol Optimizer: AnyObject {
    /// Applies one update to every parameter with learning rate `lr`.
    func step(_ parameters: [Parameter], lr: Float)
}

/// Stochastic gradient descent with momentum and L2 weight decay (PyTorch's convention):
/// `g ← ∇ + λ·w`, `v ← μ·v + g`, `w ← w − lr·v`.
public final class SGD: Optimizer {
    /// μ, 0 for plain SGD.
    public let momentum: Float
    /// λ, the L2 penalty added to every gradient.
    public let weightDecay: Float
    private var velocity: [ObjectIdentifier: [Float]] = [:]

    /// Creates the optimizer.
    public init(momentum: Float = 0.9, weightDecay: Float = 0) {
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter], lr: Float) {
        for p in parameters {
            let id = ObjectIdentifier(p)
            var v = velocity[id] ?? [Float](repeating: 0, count: p.count)
            let (mu, wd, n) = (momentum, weightDecay, p.count)
            v.withMutablePointer { vp in
                p.gradient.withPointer { gp in
                    p.value.withMutablePointer { wp in
                        for i in 0..<n {                // every tensor flat
                            let g = gp[i] + wd * wp[i]
                            vp[i] = mu * vp[i] + g
                            wp[i] -= lr * vp[i]
                        }
                    }
                }
            }
            velocity[id] = v
        }
    }
}

/// Adam (Kingma & Ba) with bias correction and L2 weight decay added to the gradient.
public final class Adam: Optimizer {
    /// β₁, β₂ and ε.
    public let beta1: Float, beta2: Float, epsilon: Float
    /// λ, the L2 penalty added to every gradient.
    public let weightDecay: Float
    private var moments: [ObjectIdentifier: (m: [Float], v: [Float])] = [:]
    private var t = 0

    /// Creates the optimizer.
    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        (self.beta1, self.beta2, self.epsilon, self.weightDecay) = (beta1, beta2, epsilon, weightDecay)
    }

    public func step(_ parameters: [Parameter], lr: Float) {
        t += 1
        let c1 = 1 - Float(Double(beta1).power(t)), c2 = 1 - Float(Double(beta2).power(t))
        let (b1, b2, eps, wd) = (beta1, beta2, epsilon, weightDecay)
        for p in parameters {
            let id = ObjectIdentifier(p)
            let n = p.count
            var (m, v) = moments[id] ?? ([Float](repeating: 0, count: n), [Float](repeating: 0, count: n))
            m.withMutablePointer { mp in
                v.withMutablePointer { vp in
                    p.gradient.withPointer { gp in
                        p.value.withMutablePointer { wp in
                            for i in 0..<n {
                                let g = gp[i] + wd * wp[i]
                                mp[i] = b1 * mp[i] + (1 - b1) * g
                                vp[i] = b2 * vp[i] + (1 - b2) * g * g
                                wp[i] -= lr * (mp[i] / c1) / ((vp[i] / c2).squareRoot() + eps)
                            }
                        }
                    }
                }
            }
            moments[id] = (m, v)
        }
    }
}

extension Double {
    /// `self` to an integer power (repeated squaring).
    func power(_ n: Int) -> Double {
        var (result, base, e) = (1.0, self, n)
        while e > 0 {
            if e & 1 == 1 { result *= base }
            base *= base
            e >>= 1
        }
        return result
    }
}
