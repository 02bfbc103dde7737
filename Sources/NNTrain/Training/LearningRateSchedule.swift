#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// How the learning rate changes over training.
public enum LearningRateSchedule: Sendable, Equatable {
    /// The base rate throughout.
    case constant
    /// The rate times `gamma` after every `every` epochs (PyTorch's StepLR, stepped per epoch).
    case step(every: Int, gamma: Float)
    /// Cosine annealing from the base rate to 0 over all steps, updated every step.
    case cosine

    /// The rate for step `step` of `totalSteps` (0-based), in epoch `epoch` (0-based).
    public func rate(base: Float, epoch: Int, step: Int, totalSteps: Int) -> Float {
        switch self {
        case .constant:
            return base
        case .step(let every, let gamma):
            return base * Float(Double(gamma).power(epoch / max(every, 1)))
        case .cosine:
            let t = Double(step) / Double(max(totalSteps, 1))
            return Float(Double(base) * 0.5 * (1 + cos(Double.pi * t)))
        }
    }
}
