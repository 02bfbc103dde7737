/// Hyper-parameters of a training run.
public struct TrainingOptions: Sendable, Equatable {
    /// Which update rule.
    public enum OptimizerKind: String, Sendable, Equatable, CaseIterable {
        case sgd, adam
    }

    /// Passes over the training data.
    public var epochs: Int = 10
    /// Images per step.
    public var batchSize: Int = 64
    /// The base learning rate.
    public var learningRate: Float = 0.05
    /// SGD (with momentum) or Adam.
    public var optimizer: OptimizerKind = .sgd
    /// SGD momentum μ.
    public var momentum: Float = 0.9
    /// L2 weight decay λ.
    public var weightDecay: Float = 0
    /// How the rate changes over the run.
    public var schedule: LearningRateSchedule = .constant
    /// Shuffling seed (weights are seeded when the network is built).
    public var seed: UInt64 = 1
    /// Augmentation: shift each training image by up to this many pixels (0 = off).
    public var augmentShift: Int = 0

    /// Default options.
    public init() {}

    /// Checks ranges.
    public func validate() throws(TrainError) {
        guard epochs >= 1 else { throw .invalidArgument("--epochs must be at least 1") }
        guard batchSize >= 1 else { throw .invalidArgument("--batch must be at least 1") }
        guard learningRate > 0, learningRate.isFinite else { throw .invalidArgument("--lr must be a positive number") }
        guard momentum >= 0, momentum < 1 else { throw .invalidArgument("--momentum must be in [0, 1)") }
        guard weightDecay >= 0, weightDecay.isFinite else { throw .invalidArgument("--weight-decay must be non-negative") }
        guard augmentShift >= 0 else { throw .invalidArgument("--augment-shift must be non-negative") }
    }

    /// A fresh optimizer of the chosen kind.
    public func makeOptimizer() -> any Optimizer {
        switch optimizer {
        case .sgd: return SGD(momentum: momentum, weightDecay: weightDecay)
        case .adam: return Adam(weightDecay: weightDecay)
        }
    }
}

/// What one epoch achieved.
public struct EpochReport: Sendable, Equatable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean training loss over the epoch's steps (train mode).
    public var loss: Double
    /// Training accuracy over the epoch (train-mode predictions while learning).
    public var trainAccuracy: Double
    /// Held-out accuracy and mean log-loss in eval mode, when there is held-out data.
    public var validationAccuracy: Double?
    public var validationLoss: Double?
    /// Training throughput (forward + backward + update), images per second.
    public var imagesPerSecond: Double
    /// The learning rate at the epoch's last step.
    public var learningRate: Float
}

/// Progress events of a run.
public enum TrainingEvent: Sendable {
    /// A step finished: `step` of `steps` in `epoch`, with its loss.
    case step(epoch: Int, step: Int, steps: Int, loss: Double)
    /// An epoch finished.
    case epoch(EpochReport)
}
